"""File ▸ Export Training Script writes model.py + train.py; File ▸ Export Python carries the preprocessing."""
from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_file_menu_exports_the_training_script_and_a_python_file_with_preprocessing(make_window, tmp_path: Path,
                                                                                   monkeypatch) -> None:
    window = make_window(ROOT / "nnbuilder" / "examples" / "spirals_mlp.nnb")
    menu = [a.text() for a in window.menuBar().actions()[0].menu().actions()]
    assert "Export &Training Script…" in menu
    assert window.export_training_script(str(tmp_path / "script"))
    assert {p.name for p in (tmp_path / "script").iterdir()} >= {"model.py", "train.py", "data.pt"}
    from nnbuilder.app.window import dialogs

    monkeypatch.setattr(dialogs, "get_export_path", lambda parent, suggestion="": str(tmp_path / "m.py"))
    assert window.export_python()
    text = (tmp_path / "m.py").read_text()
    assert "point_mean" in text and "CLASSES = ('arm 0', 'arm 1')" in text

"""The dashboard's Save run reports a failing write (safetensors' own error included) and saves on retry."""
from __future__ import annotations

import pytest
from safetensors import SafetensorError
from test_dashboard import SPIRALS, dashboard_for, run


@pytest.fixture
def window(make_window):
    return make_window(SPIRALS, height=900)


@pytest.mark.slow
def test_save_run_reports_a_safetensors_error_then_saves(window, qtbot, tmp_path, monkeypatch) -> None:
    import safetensors.torch

    dash = dashboard_for(window, qtbot, epochs=1)
    run(dash, qtbot)
    real = safetensors.torch.save_file

    def full_disk(*args, **kwargs):
        raise SafetensorError("Error while serializing: IoError(No space left on device)")

    monkeypatch.setattr(safetensors.torch, "save_file", full_disk)
    assert dash.save_run(tmp_path / "run") is None
    assert "No space left" in dash.message.text() and str(tmp_path / "run") in dash.message.text()
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith((".run", "run"))]  # no half-written folder
    monkeypatch.setattr(safetensors.torch, "save_file", real)
    out = dash.save_run(tmp_path / "run")  # the run is still there: Save run again works
    assert out is not None and (out / "weights.safetensors").is_file()

"""Main window files: save/open round trip, examples, prompts, corrupt files, failed saves, export, recovery."""
from __future__ import annotations

import json
import os
import stat
import time
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication

from nnbuilder.app.window import MainWindow, autosave, dialogs
from nnbuilder.app.window.files import example_files
from nnbuilder.graph.project import dumps_project, load_project
from nnbuilder.package_data import examples_dir

ROOT = Path(__file__).resolve().parents[2]
SEED = examples_dir() / "seed_regression.nnb"
EXAMPLES = example_files()


class Dialogs:
    """Stands in for every dialog; tests set the answers and read what was shown."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.errors: list[tuple[str, str, list]] = []
        self.unsaved_answers: list[str] = []
        self.unsaved_asked = 0
        self.save_path = ""
        self.export_path = ""
        self.restore = True
        self.restore_asked = 0
        monkeypatch.setattr(dialogs, "show_error", self._error)
        monkeypatch.setattr(dialogs, "ask_unsaved", self._unsaved)
        monkeypatch.setattr(dialogs, "get_save_path", lambda *_: self.save_path)
        monkeypatch.setattr(dialogs, "get_export_path", lambda *_: self.export_path)
        monkeypatch.setattr(dialogs, "ask_restore", self._restore)

    def _error(self, _parent, title, message, problems=()):
        self.errors.append((title, message, list(problems)))

    def _unsaved(self, _parent, _name):
        self.unsaved_asked += 1
        return self.unsaved_answers.pop(0) if self.unsaved_answers else dialogs.DISCARD

    def _restore(self, _parent, _name, _when):
        self.restore_asked += 1
        return self.restore


@pytest.fixture
def dlg(monkeypatch) -> Dialogs:
    return Dialogs(monkeypatch)


@pytest.fixture
def make_window(qtbot, tmp_path, dlg):
    def make() -> MainWindow:
        settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
        win = MainWindow(settings=settings, recovery_dir=tmp_path / "recovery")
        qtbot.addWidget(win)
        win.show()
        return win
    return make


@pytest.fixture
def window(make_window) -> MainWindow:
    win = make_window()
    if SEED.is_file():
        assert win.open_path(str(SEED), as_example=True)
    else:
        from nnbuilder.app.main import seed_project
        win.install(seed_project(), None)
    return win


def test_save_then_open_round_trips(window, dlg, tmp_path):
    window.add_at_center("Dropout")
    dlg.save_path = str(tmp_path / "mine.nnb")
    assert window.save()  # untitled example → Save As
    assert window.path == dlg.save_path and not window.isWindowModified()
    assert window.windowTitle() == "mine[*] — nnbuilder"
    saved = dumps_project(window.project)
    assert window.open_path(dlg.save_path)
    assert dumps_project(window.project) == saved
    assert dumps_project(load_project(dlg.save_path)) == saved
    assert window.recent_files()[0] == dlg.save_path
    assert [a.text() for a in window.recent_menu.actions()] == ["mine.nnb"]


@pytest.mark.parametrize("path", EXAMPLES or [None], ids=[p.stem for p in EXAMPLES] or ["none"])
def test_every_example_opens_without_error(make_window, dlg, path):
    if path is None:
        pytest.skip("examples/ is empty")
    window = make_window()
    assert window.open_path(str(path), as_example=True), dlg.errors
    assert not dlg.errors
    assert len(window.doc) == len(json.loads(path.read_text(encoding="utf-8"))["graph"]["nodes"])
    analysis = window.runner.run_now()
    assert analysis is not None and analysis.valid, [i.text() for i in analysis.errors]
    assert window.summary.rowCount() == len(window.doc) + 1
    assert window.path is None  # examples open as untitled copies: Save never overwrites them


def test_examples_menu_lists_every_example(window):
    names = [a.text() for a in window.examples_menu.actions() if a.menu() is None and not a.isSeparator()]
    assert names == [p.stem.replace("_", " ") for p in EXAMPLES]


def test_examples_menu_groups_the_lessons(window):
    from nnbuilder.lessons import lesson_groups

    [lessons] = [a.menu() for a in window.examples_menu.actions() if a.text() == "Lessons"]
    groups = {a.text(): [s.text() for s in a.menu().actions()] for a in lessons.actions()}
    expected = lesson_groups(EXAMPLES)
    assert list(groups) == list(expected) and "Recurrent memory" in groups
    assert groups["Linear vs non-linear"] == [p.stem.replace("_", " ") for p in expected["Linear vs non-linear"]]


def test_closing_with_unsaved_changes_prompts(window, dlg, tmp_path):
    window.add_at_center("ReLU")
    dlg.unsaved_answers = [dialogs.CANCEL]
    assert not window.close()
    assert dlg.unsaved_asked == 1 and window.isVisible()
    dlg.unsaved_answers = [dialogs.SAVE]
    dlg.save_path = str(tmp_path / "kept.nnb")
    assert window.close()
    assert len(load_project(dlg.save_path).graph) == len(window.doc)


def test_new_with_unsaved_changes_can_be_cancelled(window, dlg):
    window.add_at_center("ReLU")
    count = len(window.doc)
    dlg.unsaved_answers = [dialogs.CANCEL]
    window.menu_actions["new"].trigger()
    assert len(window.doc) == count
    dlg.unsaved_answers = [dialogs.DISCARD]
    window.menu_actions["new"].trigger()
    assert len(window.doc) == 0 and not window.isWindowModified()


@pytest.mark.parametrize("content, where", [
    ("{\"format\": \"nnbuilder\", \"version\": 1, \"graph\": {\"nodes\": [", "$"),
    (json.dumps({"format": "nnbuilder", "version": 99, "graph": {"nodes": [], "edges": []}}), "$.version"),
    (json.dumps({"format": "nnbuilder", "version": 1,
                 "graph": {"nodes": [{"id": "a", "type": "Linnear"}], "edges": []}}), "$.graph.nodes[0].type"),
])
def test_opening_a_bad_file_shows_problems_and_keeps_the_document(window, dlg, tmp_path, content, where):
    window.add_at_center("ReLU")
    before = dumps_project(window.project)
    bad = tmp_path / "bad.nnb"
    bad.write_text(content, encoding="utf-8")
    assert not window.open_path(str(bad))
    title, _message, problems = dlg.errors[-1]
    assert title == "Cannot open project"
    assert where in [p[0] for p in problems]
    assert dumps_project(window.project) == before and window.isWindowModified()
    assert dlg.unsaved_asked == 0  # nothing to ask: the current document stays


def test_failed_save_shows_error_and_keeps_document_modified(window, dlg, tmp_path, monkeypatch):
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(stat.S_IRUSR | stat.S_IXUSR)
    if os.access(folder, os.W_OK):  # running as root: permissions are not enforced, simulate the OS error
        def refuse(*_args, **_kwargs):
            raise PermissionError(13, "Permission denied")
        monkeypatch.setattr("nnbuilder.fileio._temp_name", refuse)  # the temp file beside the target
    window.add_at_center("ReLU")
    dlg.save_path = str(folder / "x.nnb")
    try:
        assert not window.save()
    finally:
        folder.chmod(stat.S_IRWXU)
    title, message, _ = dlg.errors[-1]
    assert title == "Could not save" and "Permission denied" in message
    assert window.isWindowModified() and window.path is None
    assert not (folder / "x.nnb").exists()


def test_export_python_writes_module_or_lists_problems(window, dlg, tmp_path):
    dlg.export_path = str(tmp_path / "model.py")
    assert window.export_python()
    source = Path(dlg.export_path).read_text(encoding="utf-8")
    assert "class " in source and "nn.Module" in source
    window.scene.select_nodes(["out"])
    window.scene.delete_selected()
    assert not window.export_python()
    title, _message, problems = dlg.errors[-1]
    assert title == "Cannot export" and problems


def test_autosave_recovery_restores_the_graph(make_window, dlg, tmp_path):
    project_path = tmp_path / "work.nnb"
    project_path.write_text(SEED.read_text(encoding="utf-8") if SEED.is_file() else "", encoding="utf-8")
    crashed = make_window()
    assert crashed.open_path(str(project_path))
    crashed.add_at_center("Dropout")
    expected = dumps_project(crashed.project)
    assert crashed.autosave_now()
    store = autosave.RecoveryStore(tmp_path / "recovery")
    assert [r.original for r in store.pending()] == [str(project_path)]

    fresh = make_window()  # the next start, while the crashed one never closed
    assert fresh.offer_recovery()
    assert dlg.restore_asked == 1
    assert dumps_project(fresh.project) == expected
    assert fresh.path == str(project_path) and fresh.isWindowModified()
    assert "Dropout" in [n.type for n in fresh.doc.nodes]

    dlg.unsaved_answers = [dialogs.DISCARD]
    assert fresh.close()
    assert store.pending() == []  # a clean exit removes the recovery copy


def test_recovery_older_than_its_project_is_not_offered(make_window, dlg, tmp_path):
    project_path = tmp_path / "work.nnb"
    project_path.write_text(SEED.read_text(encoding="utf-8") if SEED.is_file() else "", encoding="utf-8")
    win = make_window()
    assert win.open_path(str(project_path))
    win.add_at_center("Dropout")
    assert win.autosave_now()
    later = time.time() + 5
    os.utime(project_path, (later, later))  # the project was saved after the copy was made
    assert not make_window().offer_recovery()
    assert dlg.restore_asked == 0


def test_successful_save_removes_recovery_copy(window, dlg, tmp_path):
    window.add_at_center("ReLU")
    assert window.autosave_now()
    store = autosave.RecoveryStore(tmp_path / "recovery")
    assert len(store.pending()) == 1
    dlg.save_path = str(tmp_path / "saved.nnb")
    assert window.save()
    assert store.pending() == []


def test_run_app_with_unreadable_file_shows_error_then_empty_document(qtbot, dlg, tmp_path, monkeypatch):
    from nnbuilder.app import main

    monkeypatch.setattr(autosave, "default_recovery_dir", lambda: tmp_path / "recovery")
    QSettings.setPath(QSettings.Format.NativeFormat, QSettings.Scope.UserScope, str(tmp_path / "config"))
    seen: list[MainWindow] = []

    def close_all() -> None:
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, MainWindow) and widget.isVisible():
                seen.append(widget)
                widget.close()

    QTimer.singleShot(300, close_all)
    assert main.run_app(str(tmp_path / "missing.nnb")) == 0
    assert dlg.errors and dlg.errors[0][0] == "Cannot open project"
    assert seen and len(seen[-1].doc) == 0


def test_run_app_without_path_opens_the_seed_example(qtbot, dlg, tmp_path, monkeypatch):
    from nnbuilder.app import main

    monkeypatch.setattr(autosave, "default_recovery_dir", lambda: tmp_path / "recovery")
    QSettings.setPath(QSettings.Format.NativeFormat, QSettings.Scope.UserScope, str(tmp_path / "config"))
    seen: list[MainWindow] = []

    def close_all() -> None:
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, MainWindow) and widget.isVisible():
                seen.append(widget)
                widget.close()

    QTimer.singleShot(300, close_all)
    assert main.run_app(None) == 0
    assert not dlg.errors
    window = seen[-1]
    assert {n.id for n in window.doc.nodes} >= {"in", "fc1", "fc2", "fc3", "out"}
    assert window.analysis is not None and window.analysis.valid


def test_save_as_rebases_relative_data_paths_to_the_new_folder(window, dlg, tmp_path):
    from nnbuilder.data.paths import resolve_data_paths

    (tmp_path / "a" / "data").mkdir(parents=True)
    (tmp_path / "a" / "data" / "t.csv").write_text("x,y\n1,2\n")
    data = json.loads(SEED.read_text())
    data["data"] = {"dataset": "csv", "params": {"path": "data/t.csv", "target": "y"}}
    (tmp_path / "a" / "p.nnb").write_text(json.dumps(data))
    assert window.open_path(str(tmp_path / "a" / "p.nnb"))
    dlg.save_path = str(tmp_path / "b" / "q.nnb")
    (tmp_path / "b").mkdir()
    assert window.save_as()
    stored = json.loads((tmp_path / "b" / "q.nnb").read_text())["data"]["params"]["path"]
    assert stored == "../a/data/t.csv"
    reopened = load_project(tmp_path / "b" / "q.nnb")
    assert Path(resolve_data_paths(reopened.data, reopened.folder)["params"]["path"]).is_file()
    assert window.project.data["params"]["path"] == stored and window.project.folder == tmp_path / "b"

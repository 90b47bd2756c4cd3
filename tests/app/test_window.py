"""Main window: palette, inspector, summary, problems, status bar, shortcuts (pytest-qt, offscreen)."""
from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPoint, QSettings, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QPalette
from PySide6.QtWidgets import QApplication

from nnbuilder.app.undo import push
from nnbuilder.app.window import MainWindow, dialogs
from nnbuilder.app.window.palette import LAYER_MIME
from nnbuilder.graph.commands import SetParam
from nnbuilder.package_data import examples_dir

ROOT = Path(__file__).resolve().parents[2]
SEED = examples_dir() / "seed_regression.nnb"


class DialogLog:
    """Records dialogs instead of showing them; answers are set per test."""

    def __init__(self) -> None:
        self.errors: list[tuple[str, str, list]] = []
        self.texts: list[str] = []
        self.unsaved_answer = dialogs.DISCARD
        self.unsaved_asked = 0

    def show_error(self, _parent, title, message, problems=()):
        self.errors.append((title, message, list(problems)))

    def ask_unsaved(self, _parent, _name):
        self.unsaved_asked += 1
        return self.unsaved_answer


@pytest.fixture
def log(monkeypatch: pytest.MonkeyPatch) -> DialogLog:
    rec = DialogLog()
    monkeypatch.setattr(dialogs, "show_error", rec.show_error)
    monkeypatch.setattr(dialogs, "ask_unsaved", rec.ask_unsaved)
    monkeypatch.setattr(dialogs, "show_text", lambda _p, _t, text: rec.texts.append(text))
    return rec


@pytest.fixture
def window(qtbot, tmp_path, log) -> MainWindow:
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    win = MainWindow(settings=settings, recovery_dir=tmp_path / "recovery")
    qtbot.addWidget(win)
    win.resize(1366, 768)
    win.show()
    if SEED.is_file():
        assert win.open_path(str(SEED), as_example=True)
    else:
        from nnbuilder.app.main import seed_project
        win.install(seed_project(), None)
    win.runner.run_now()
    return win


def analysed(qtbot, win: MainWindow) -> None:
    """Wait for the debounced analysis to run."""
    qtbot.waitUntil(lambda: not win.runner.pending, timeout=3000)


def test_dropping_a_palette_item_creates_a_node(qtbot, window):
    mime = window.palette.tree.mimeData([window.palette.item("Linear")])
    assert bytes(mime.data(LAYER_MIME)).decode() == "Linear"
    before = {n.id for n in window.doc.nodes}
    viewport = window.view.viewport()
    rest = (Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    enter = QDragEnterEvent(viewport.rect().center(), *rest)  # QPoint: the signature every PySide6 6.x takes
    QApplication.sendEvent(viewport, enter)
    assert enter.isAccepted()
    QApplication.sendEvent(viewport, QDropEvent(viewport.rect().center().toPointF(), *rest))
    added = [n for n in window.doc.nodes if n.id not in before]
    assert [n.type for n in added] == ["Linear"]
    assert window.inspector.node_id == added[0].id  # the new node is selected and inspected
    window.stack.undo()
    assert {n.id for n in window.doc.nodes} == before


def test_double_click_in_palette_adds_at_view_centre(qtbot, window):
    tree = window.palette.tree
    item = window.palette.item("Dropout")
    tree.scrollToItem(item)
    point = tree.visualItemRect(item).center()
    qtbot.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=point)
    qtbot.mouseDClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=point)
    assert [n.type for n in window.doc.nodes].count("Dropout") == 1


def test_palette_search_filters_by_name_and_doc(qtbot, window):
    qtbot.keyClicks(window.palette.search, "conv")
    visible = window.palette.visible_types()
    assert "Conv2d" in visible and "Linear" not in visible
    window.palette.search.clear()
    qtbot.keyClicks(window.palette.search, "probabilities")
    assert "Softmax" in window.palette.visible_types()
    assert window.palette.item("Linear").toolTip(0).startswith("<b>Linear</b>")


def test_inspector_spin_box_edit_is_undoable_and_updates_summary(qtbot, window):
    window.scene.select_nodes(["fc1"])
    assert window.inspector.node_id == "fc1"
    assert "Fully connected" in window.inspector.doc_label.text()
    assert window.summary.cell_text("fc1", "Params") == "60"
    box = window.inspector.rows["out_features"].editor.box
    box.lineEdit().selectAll()
    qtbot.keyClicks(box, "40")
    qtbot.keyClick(box, Qt.Key.Key_Return)
    assert window.doc.node("fc1").params["out_features"] == 40
    assert "out_features" in window.stack.undoText()
    assert window.isWindowModified()
    qtbot.waitUntil(lambda: window.summary.cell_text("fc1", "Params") == "120", timeout=3000)  # 2·40 + 40
    assert window.summary.cell_text("fc2", "Params") == f"{40 * 10 + 10}"
    window.stack.undo()
    assert window.doc.node("fc1").params["out_features"] == 20
    assert window.inspector.rows["out_features"].editor.value() == 20
    qtbot.waitUntil(lambda: window.summary.cell_text("fc1", "Params") == "60", timeout=3000)
    assert not window.isWindowModified()


def test_inferred_parameter_shows_auto_and_can_be_overridden(qtbot, window):
    window.scene.select_nodes(["fc2"])
    row = window.inspector.rows["in_features"]
    assert row.is_auto and row.auto_label.text() == "auto (= 20)"
    qtbot.mouseClick(row.switch, Qt.MouseButton.LeftButton)
    assert window.doc.node("fc2").params["in_features"] == 20
    assert not row.is_auto
    qtbot.mouseClick(row.switch, Qt.MouseButton.LeftButton)
    assert "in_features" not in window.doc.node("fc2").params
    assert row.is_auto


def test_tuple_editor_validates_with_coerce(qtbot, window):
    window.add_at_center("Conv2d")
    node_id = window.inspector.node_id
    edit = window.inspector.rows["kernel_size"].editor.edit
    edit.selectAll()
    qtbot.keyClicks(edit, "3, a")
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert window.doc.node(node_id).params["kernel_size"] == 3  # unchanged
    assert "not a list" in edit.toolTip()
    edit.selectAll()
    qtbot.keyClicks(edit, "5, 3")
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert tuple(window.doc.node(node_id).params["kernel_size"]) == (5, 3)


def test_rename_from_inspector_and_duplicate_refused(qtbot, window):
    window.scene.select_nodes(["fc1"])
    edit = window.inspector.id_edit
    edit.selectAll()
    qtbot.keyClicks(edit, "hidden")
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert window.doc.has_node("hidden") and not window.doc.has_node("fc1")
    assert window.inspector.node_id == "hidden"
    edit = window.inspector.id_edit
    edit.selectAll()
    qtbot.keyClicks(edit, "fc2")
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert window.doc.has_node("hidden")
    assert "already called" in window.inspector.id_error.text()


def test_problem_click_selects_its_node_and_status_shows_errors(qtbot, window):
    push(window.stack, window.doc, SetParam("fc2", "in_features", 7))
    analysed(qtbot, window)
    assert window.validity_label.text().startswith("✖")
    rows = [window.problems.item(i) for i in range(window.problems.count())]
    target = next(i for i in rows if "fc2" in i.text())
    window.scene.select_nodes([])
    rect = window.problems.visualItemRect(target)
    qtbot.mouseClick(window.problems.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.scene.selected_node_ids() == ["fc2"]
    assert window.inspector.node_id == "fc2"


def test_status_bar_and_summary_totals(qtbot, window):
    assert window.params_label.text().startswith("281 params")
    assert window.validity_label.text() == "✔ valid"
    last = window.summary.rowCount() - 1
    assert window.summary.item(last, 0).text() == "Total"
    assert window.summary.item(last, 3).text() == "281"


def test_title_tracks_the_undo_stack(qtbot, window):
    assert window.windowTitle() == "seed regression[*] — nnbuilder"
    assert not window.isWindowModified()
    window.add_at_center("ReLU")
    assert window.isWindowModified()
    window.menu_actions["undo"].trigger()
    assert not window.isWindowModified()


def test_theme_switch_changes_palette(qtbot, window):
    window.findChild(type(window.menu_actions["undo"]), "theme_dark").trigger()
    assert QApplication.palette().color(QPalette.ColorRole.Window).lightness() < 100
    assert window.settings.value("theme") == "dark"
    window.set_theme("light")
    assert QApplication.palette().color(QPalette.ColorRole.Window).lightness() > 150


def test_shortcuts_are_listed_and_canvas_scoped(qtbot, window, log):
    window.menu_actions["shortcuts"].trigger()
    text = log.texts[-1]
    for keys in ("Ctrl+Z", "Ctrl+Shift+Z", "Ctrl+S", "Ctrl+D", "Del", "Tab", "F"):
        assert keys in text
    assert window.menu_actions["delete"].shortcutContext() == Qt.ShortcutContext.WidgetWithChildrenShortcut
    assert window.menu_actions["delete"] in window.view.actions()


def test_delete_shortcut_on_canvas_removes_node(qtbot, window):
    window.scene.select_nodes(["act1"])
    window.view.setFocus()
    qtbot.waitUntil(window.view.hasFocus, timeout=2000)
    qtbot.keyClick(window.view, Qt.Key.Key_Delete)
    assert not window.doc.has_node("act1")
    qtbot.keyClick(window.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert window.doc.has_node("act1")


def test_dropping_a_project_file_on_the_window_opens_it(qtbot, window, tmp_path):
    target = tmp_path / "copy.nnb"
    target.write_text(SEED.read_text() if SEED.is_file() else "", encoding="utf-8")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(target))])
    drop = QDropEvent(QPoint(10, 10).toPointF(), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier)
    window.dropEvent(drop)
    qtbot.waitUntil(lambda: window.path == str(target), timeout=3000)
    assert window.windowTitle().startswith("copy[*]")


def run_script(code: str) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh Python (offscreen, settings in a new temporary folder): start-up as a user meets it."""
    return subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True, timeout=120,
                          env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin", "HOME": "/tmp",
                               "XDG_CONFIG_HOME": tempfile.mkdtemp(prefix="nnbuilder-test-config-")}, cwd=ROOT)


def test_window_appears_before_torch_is_imported():
    code = ("import sys; from PySide6.QtWidgets import QApplication; app = QApplication([]);"
            "from nnbuilder.app.window import MainWindow; import tempfile;"
            "w = MainWindow(recovery_dir=tempfile.mkdtemp()); w.show(); app.processEvents();"
            "print('torch' in sys.modules)")
    out = run_script(code)
    assert out.stdout.strip().splitlines()[-1] == "False", out.stderr


# For the subprocess scripts below (after ``app = QApplication(...)``): ``seen[0]`` tells whether torch was
# imported when the main window first painted.
PAINT_SPY = """
seen = []
class Spy(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint and type(obj).__name__ == "MainWindow" and not seen:
            seen.append("torch" in sys.modules)
        return False
spy = Spy()
app.installEventFilter(spy)
"""


def test_first_frame_is_painted_before_torch_loads():
    """``nnbuilder`` paints its window first, then analyses (importing torch): never a blank window for seconds."""
    code = """
import sys
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication
app = QApplication([])
""" + PAINT_SPY + """def end():
    print(seen[:1], 'torch' in sys.modules)
    for w in app.topLevelWidgets():
        if hasattr(w, 'stack'):
            w.stack.setClean()
            w.close()
QTimer.singleShot(0, lambda: QTimer.singleShot(20000, end))
import nnbuilder.app.window.analysis_runner as runner
from nnbuilder.app.main import run_app
orig = runner.AnalysisRunner.run_now
def run_now(self):
    result = orig(self)
    QTimer.singleShot(0, end)
    return result
runner.AnalysisRunner.run_now = run_now
run_app(None)
"""
    out = run_script(code)
    assert out.stdout.strip().splitlines()[-1] == "[False] True", out.stdout + out.stderr


def test_held_analysis_waits_for_release(qtbot):
    from nnbuilder.app.window.analysis_runner import AnalysisRunner
    from nnbuilder.graph.document import GraphDocument, Node

    doc = GraphDocument([Node("in", "Input", {"shape": [2]}, (0.0, 0.0))], [])
    runner = AnalysisRunner(doc, debounce_ms=1)
    results = []
    runner.analyzed.connect(results.append)
    runner.hold()
    runner.schedule()
    qtbot.wait(50)
    assert not results and not runner.pending
    runner.release()  # at once when the analysis is loaded, else once its thread has loaded it
    qtbot.waitUntil(lambda: bool(results), timeout=60000)
    assert len(results) == 1 and runner.latest is results[0] and not runner.pending


def test_event_loop_turns_while_the_analysis_loads():
    """After the first frame, torch loads on a thread: the window keeps answering, then the analysis arrives."""
    code = """
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
import nnbuilder.app.window.analysis_runner as runner_module
from nnbuilder.app.main import run_app
ticks, marks = [], {}
orig_release = runner_module.AnalysisRunner.release
def release(self):
    orig_release(self)
    marks["loading"] = self.loading
    timer = QTimer(self, interval=10)
    timer.timeout.connect(lambda: ticks.append(self.loading))
    timer.start()
    def done(analysis):
        print(marks["loading"], sum(ticks), analysis.valid, "torch" in sys.modules)
        for w in QApplication.topLevelWidgets():
            if hasattr(w, "stack"):
                w.stack.setClean()
                w.close()
    self.analyzed.connect(done)
runner_module.AnalysisRunner.release = release
run_app(None)
"""
    out = run_script(code)
    loading, ticks_while_loading, valid, torch_loaded = out.stdout.split()[-4:]
    assert loading == "True", out.stdout + out.stderr  # release returned at once, the load still running
    assert int(ticks_while_loading) >= 10, out.stdout + out.stderr  # the event loop ran meanwhile (it froze before)
    assert valid == "True" and torch_loaded == "True"


def test_training_dock_restored_at_start_builds_its_dashboard_once_torch_loaded():
    """A Training dock left open is restored: painted first, its dashboard built once the thread loaded torch."""
    code = """
import sys
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication
from nnbuilder.app.window import MainWindow
import nnbuilder.app.window.analysis_runner as runner_module
from nnbuilder.app.main import run_app
app = QApplication([])
first = MainWindow()  # the last session: it closed with the Training tab open
first.runner.hold()
first.training_dock.blockSignals(True)  # this window only records the layout: it builds no dashboard
first.show()
first.training_dock.show()
first.training_dock.raise_()
app.processEvents()
first.settings.setValue("window_state", first.saveState())
first.settings.sync()
first.hide()
first.deleteLater()
app.processEvents()
ticks = []
""" + PAINT_SPY + """orig_release = runner_module.AnalysisRunner.release
def release(self):
    orig_release(self)
    timer = QTimer(self, interval=10)
    timer.timeout.connect(lambda: ticks.append(self.loading))
    timer.start()
    def check():
        window = self.parent()
        if window.dashboard is not None and window.training_dock.widget() is window.dashboard:
            print(seen[:1], sum(ticks), window.training_dock.isVisible())
            window.stack.setClean()
            window.close()
        else:
            QTimer.singleShot(50, check)
    check()
runner_module.AnalysisRunner.release = release
run_app(None)
"""
    out = run_script(code)
    last = out.stdout.strip().splitlines()[-1] if out.stdout.strip() else ""
    assert last.startswith("[False]") and last.endswith("True"), out.stdout + out.stderr
    assert int(last.split()[1]) >= 10, out.stdout + out.stderr  # the window answered while torch loaded


def test_closing_while_the_analysis_loads_exits_cleanly():
    """Closing the window while torch's first shape inference runs on the loading thread exits with 0.

    (With a daemon thread the interpreter shut down under it and torch aborted the process.)"""
    code = """
import sys
from PySide6.QtCore import QTimer
import nnbuilder.app.window.analysis_runner as runner_module
from nnbuilder.app.main import run_app
orig_release = runner_module.AnalysisRunner.release
def release(self):
    orig_release(self)
    window = self.parent()
    def poll():  # close once the import is done and the thread analyses
        if hasattr(sys.modules.get("nnbuilder.analysis"), "analyze") and self.loading:
            print("closing while loading", flush=True)
            window.close()
        elif not self.loading:  # missed it: fail at once rather than poll until the timeout
            print("loaded before the check", flush=True)
            window.close()
        else:
            QTimer.singleShot(5, poll)
    poll()
runner_module.AnalysisRunner.release = release
sys.exit(run_app(None))
"""
    out = run_script(code)
    assert "closing while loading" in out.stdout, out.stdout + out.stderr
    assert out.returncode == 0 and "terminate" not in out.stderr, out.stdout + out.stderr


def test_analysing_at_once_while_loading_waits_for_the_loading_thread():
    """Export (run_now) right after start-up waits for the thread's torch import instead of importing it too."""
    code = """
import sys
import nnbuilder.app.window.analysis_runner as runner_module
from nnbuilder.app.main import run_app
orig_release = runner_module.AnalysisRunner.release
def release(self):
    orig_release(self)
    loading = self.loading
    analysis = self.run_now()
    print(loading, analysis is not None and analysis.valid, self._thread is not None and not self._thread.is_alive())
    self.parent().close()
runner_module.AnalysisRunner.release = release
sys.exit(run_app(None))
"""
    out = run_script(code)
    assert out.stdout.split()[-3:] == ["True", "True", "True"], out.stdout + out.stderr
    assert out.returncode == 0, out.stderr


def test_a_broken_torch_is_a_message_after_the_load():
    """When torch cannot be imported, the loading thread ends and the status bar names the failure."""
    code = """
import sys
sys.modules["torch"] = None  # what a broken install looks like to the import system
import nnbuilder.app.window.analysis_runner as runner_module
from nnbuilder.app.main import run_app
orig_release = runner_module.AnalysisRunner.release
def release(self):
    orig_release(self)
    window = self.parent()
    def failed(message):
        print("FAILED", message, self.loading, window.statusBar().currentMessage() == message, flush=True)
        window.close()
    self.failed.connect(failed)
runner_module.AnalysisRunner.release = release
sys.exit(run_app(None))
"""
    out = run_script(code)
    line = next((ln for ln in out.stdout.splitlines() if ln.startswith("FAILED")), "")
    assert "torch" in line and line.endswith("False True"), out.stdout + out.stderr
    assert out.returncode == 0 and "Traceback" not in out.stderr, out.stderr

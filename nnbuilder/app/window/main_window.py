"""The editor's main window: canvas in the centre, palette/inspector/summary/problems docks.

The window owns one undo stack and one project at a time.  Views observe the
document; a debounced :class:`AnalysisRunner` feeds every panel after edits.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QUndoStack
from PySide6.QtWidgets import QDockWidget, QFrame, QLabel, QMainWindow, QWidget

from nnbuilder import __version__
from nnbuilder.app.canvas import GraphScene, GraphView, set_theme
from nnbuilder.app.first_frame import after_first_frame
from nnbuilder.app.undo import push
from nnbuilder.app.window import dialogs
from nnbuilder.app.window.actions import build_menus, canvas_action_names, shortcuts_text
from nnbuilder.app.window.analysis_runner import AnalysisRunner
from nnbuilder.app.window.appearance import THEME_NAMES, apply_app_theme
from nnbuilder.app.window.arrangement import TrainingArrangement, style_bottom_area
from nnbuilder.app.window.autosave import AFTER_EDIT_MS, INTERVAL_MS, RecoveryStore
from nnbuilder.app.window.block_actions import _BlockActions
from nnbuilder.app.window.edit_actions import _EditActions
from nnbuilder.app.window.files import FileActions
from nnbuilder.app.window.palette import PaletteWidget
from nnbuilder.app.window.problems import ProblemsPanel
from nnbuilder.app.window.summary import SummaryTable
from nnbuilder.app.window.training_actions import _TrainingActions
from nnbuilder.graph.document import GraphDocument
from nnbuilder.graph.project import Project

if TYPE_CHECKING:  # annotations only: PySide builds a Python type on first access, the launch need not pay it
    from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent, QShowEvent

    from nnbuilder.app.window.inspector import InspectorWidget

# What the inspector shows with no node selected; its dock shows the same until the inspector is built.
INSPECTOR_EMPTY_TEXT = "Select one node to edit its parameters."


class MainWindow(FileActions, _EditActions, _BlockActions, _TrainingActions, QMainWindow):
    """The nnbuilder editor window."""

    def __init__(self, settings: QSettings | None = None, recovery_dir: str | Path | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings or QSettings("nnbuilder", "nnbuilder")
        self.store = RecoveryStore(recovery_dir)
        self.stack = QUndoStack(self)
        self.project = Project("untitled", GraphDocument())
        self.path: str | None = None
        self.theme = str(self.settings.value("theme", "light"))
        self.analysis: Any = None
        self.scene: Any = None
        self.view: Any = None
        self.setAcceptDrops(True)
        self.resize(1280, 760)
        self._build_docks()
        self.runner = AnalysisRunner(self.project.graph, self)
        self.runner.analyzed.connect(self._on_analysis)
        self.runner.failed.connect(lambda msg: self.statusBar().showMessage(msg, 8000))
        self.menu_actions = build_menus(self)
        for dock in (self.palette_dock, self.inspector_dock, self.summary_dock, self.problems_dock,
                     self.training_dock):
            self.panels_menu.addAction(dock.toggleViewAction())
        self._build_status_bar()
        self._wire_stack()
        from nnbuilder.app.window.undo_keys import UndoKeys

        self.undo_keys = UndoKeys(self)
        self.undo_keys.follow_focus()
        self.rebuild_recent_menu()
        self.rebuild_examples_menu()
        self._autosave_timer = QTimer(self, interval=INTERVAL_MS, timeout=self.autosave_now)
        self._autosave_timer.start()
        self._edit_autosave = QTimer(self, singleShot=True, interval=AFTER_EDIT_MS, timeout=self.autosave_now)
        self.stack.indexChanged.connect(self._on_index_changed)
        self.install(self.project, None)
        self.set_minimap_enabled(bool(self.settings.value("minimap", True, type=bool)))
        self.set_theme(self.theme if self.theme in THEME_NAMES else "light")
        geometry = self.settings.value("geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        # Before the first show, so that the first frame already has the final dock sizes.
        self._restore_or_size_docks()

    # ------------------------------------------------------------------ layout
    def _dock(self, title: str, widget: QWidget, area: Qt.DockWidgetArea, name: str = "") -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name or title.lower().replace(" ", "_"))  # the saved layouts' key
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock

    def _build_docks(self) -> None:
        self.palette = PaletteWidget()
        self.palette.setMinimumWidth(170)  # layer names stay readable whatever layout was saved
        self.palette.addRequested.connect(self.add_at_center)
        self.palette_dock = self._dock("Layers", self.palette, Qt.DockWidgetArea.LeftDockWidgetArea)
        # The inspector (its module, its widget types) is built right after the first show or on first use:
        # with no node selected it shows only INSPECTOR_EMPTY_TEXT, which this label shows until then.
        self._inspector: InspectorWidget | None = None
        placeholder = QLabel(INSPECTOR_EMPTY_TEXT)
        placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        placeholder.setWordWrap(True)
        placeholder.setEnabled(False)
        placeholder.setFrameShape(QFrame.Shape.StyledPanel)
        self.inspector_dock = self._dock("Inspector", placeholder, Qt.DockWidgetArea.RightDockWidgetArea)
        self.summary = SummaryTable()
        self.summary.nodeClicked.connect(self.select_node)
        # "Summary": the bottom area's tabs run down its side, where a short title fits
        self.summary_dock = self._dock("Summary", self.summary, Qt.DockWidgetArea.BottomDockWidgetArea,
                                       "model_summary")
        self.problems = ProblemsPanel()
        self.problems.nodeRequested.connect(self.select_node)
        self.problems.fixRequested.connect(lambda command: push(self.stack, self.doc, command))
        self.problems_dock = self._dock("Problems", self.problems, Qt.DockWidgetArea.BottomDockWidgetArea)
        self.tabifyDockWidget(self.summary_dock, self.problems_dock)
        self.dashboard: Any = None  # built on first use: it loads torch and the data registry
        self.training_dock = self._dock("Training", QLabel("Loading the training dashboard…"),
                                        Qt.DockWidgetArea.BottomDockWidgetArea)
        self.tabifyDockWidget(self.problems_dock, self.training_dock)
        self.training_dock.hide()
        style_bottom_area(self, (self.summary_dock, self.problems_dock, self.training_dock))
        self.arrangement = TrainingArrangement(self)
        self.summary_dock.raise_()  # after every tabify: the last tabified dock would be the current tab
        self.training_dock.visibilityChanged.connect(
            lambda visible: visible and after_first_frame(self, self._dashboard_when_loaded))
        self.training_dock.visibilityChanged.connect(self._training_dock_closed)
        self._shown_once = False

    @property
    def inspector(self) -> InspectorWidget:
        """The node inspector, built on first use (at the latest right after the window first shows)."""
        if self._inspector is None:
            from nnbuilder.app.window.inspector import InspectorWidget

            inspector = InspectorWidget(self.project.graph, self.stack)
            inspector.sectionsChanged.connect(self._on_sections_changed)
            inspector.message.connect(lambda text: self.statusBar().showMessage(text, 8000))
            inspector.set_project(self.project)
            if self.analysis is not None:
                inspector.apply_analysis(self.analysis)
            placeholder = self.inspector_dock.widget()
            self.inspector_dock.setWidget(inspector)
            if placeholder is not None:
                placeholder.deleteLater()
            self._inspector = inspector
        return self._inspector

    def size_docks(self) -> None:
        """Give the canvas most of the window: narrow side panels, a short bottom panel."""
        width, height = max(self.width(), 800), max(self.height(), 500)
        self.resizeDocks([self.palette_dock, self.inspector_dock], [min(220, width // 6), min(320, width // 4)],
                         Qt.Orientation.Horizontal)
        self.resizeDocks([self.summary_dock], [min(200, height // 4)], Qt.Orientation.Vertical)

    def _build_status_bar(self) -> None:
        self.params_label = QLabel("")
        self.validity_label = QLabel("analysing…")
        self.statusBar().addPermanentWidget(self.params_label)
        self.statusBar().addPermanentWidget(self.validity_label)

    def _wire_stack(self) -> None:
        self.stack.cleanChanged.connect(self._on_clean_changed)
        undo, redo = self.menu_actions["undo"], self.menu_actions["redo"]
        undo.setEnabled(False)
        redo.setEnabled(False)
        self.stack.canUndoChanged.connect(undo.setEnabled)
        self.stack.canRedoChanged.connect(redo.setEnabled)
        self.stack.undoTextChanged.connect(lambda t: undo.setText(f"&Undo {t}".strip()))
        self.stack.redoTextChanged.connect(lambda t: redo.setText(f"&Redo {t}".strip()))

    def _on_clean_changed(self, clean: bool) -> None:
        self.setWindowModified(not clean)

    def _on_index_changed(self, _index: int) -> None:
        self._edit_autosave.start()
        if self.view is not None:
            self.view.keep_framed = False

    # ------------------------------------------------------------------ documents
    @property
    def doc(self) -> GraphDocument:
        return self.project.graph

    def install(self, project: Project, path: str | None, modified: bool = False) -> None:
        """Make ``project`` the edited document with a fresh scene and an empty undo history."""
        self.stack.clear()
        if self.scene is not None:
            self.scene.dispose()
            self.scene.deleteLater()
        self.project, self.path, self.analysis = project, path, None
        self.scene = GraphScene(project.graph, self.stack, self)
        self.scene.selectionChangedIds.connect(self._on_selection)
        self.scene.nodeActivated.connect(self._focus_inspector)
        self.scene.nodeActivated.connect(self._activate_block)
        if self.view is None:
            self.view = GraphView(self.scene)
            for name in canvas_action_names():
                action = self.menu_actions[name]
                action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
                self.view.addAction(action)
            self._install_block_ui()
            self.setCentralWidget(self.view)
        else:  # one view for the window's life: a new central widget would let the docks take its space
            self.view.setScene(self.scene)
            self.view.resetTransform()
        set_theme(self.scene, self.theme)
        if self._inspector is not None:
            self._inspector.set_project(project)
        self.runner.set_document(project.graph)
        self.validity_label.setText("analysing…")
        if self.dashboard is not None:
            self.dashboard.set_project(project, path)
        self.stack.setClean()
        if modified:
            self.stack.resetClean()
        self.setWindowModified(modified)
        self.update_title()
        # Keeps the graph framed through the resizes still to come (first show, dock sizing) until the
        # user moves the view or edits; frames now for a window already on screen.
        self.view.frame_all(keep=True)

    def update_title(self) -> None:
        self.setWindowTitle(f"{self.display_name}[*] — nnbuilder")

    def _on_sections_changed(self) -> None:
        """The inspector edited ``project.training`` (LR multipliers): the dashboard shows the new sections."""
        if self.dashboard is not None:
            setup = self.dashboard.setup
            if (setup.data, setup.training) != (self.project.data, self.project.training):
                setup.load(self.project.data, self.project.training)

    # ------------------------------------------------------------------ analysis
    def _on_analysis(self, analysis: Any) -> None:
        from nnbuilder.app.window.wiring import add_wiring_issues

        add_wiring_issues(analysis, self)
        self.analysis = analysis
        self.scene.apply_analysis(analysis)
        if self.view.keep_framed:  # the first analysis adds shapes to the nodes, which may grow them
            self.view.frame_all(keep=True)
        self.view.minimap.schedule()
        self.summary.apply_analysis(analysis, {n.id: n.type for n in self.doc.nodes})
        self.problems.apply_analysis(analysis, self.doc)
        if self._inspector is not None:
            self._inspector.apply_analysis(analysis)
        self.params_label.setText(f"{analysis.total_params:,} params · {analysis.trainable_params:,} trainable")
        errors, warnings = len(analysis.errors), len(analysis.warnings)
        if errors:
            text = f"✖ {errors} error{'s' * (errors != 1)}"
        else:
            text = "✔ valid" + (f" ({warnings} warning{'s' * (warnings != 1)})" if warnings else "")
        self.validity_label.setText(text)
        self.problems_dock.setWindowTitle(f"Problems ({errors + warnings})" if errors + warnings else "Problems")
        layout = self.statusBar().layout()
        if layout is not None:  # the status bar does not always re-lay out its permanent labels on its own
            layout.activate()

    # ------------------------------------------------------------------ selection
    def _on_selection(self, ids: list) -> None:
        node_id = ids[0] if len(ids) == 1 else None
        if node_id != self.inspector.node_id:
            self.inspector.show_node(node_id)
        if self.dashboard is not None:
            self.dashboard.show_node(node_id)

    def select_node(self, node_id: str) -> None:
        if not self.doc.has_node(node_id):
            return
        self.scene.select_nodes([node_id])
        self.inspector.show_node(node_id)
        pos = self.doc.node(node_id).pos
        if pos is not None:
            self.view.keep_framed = False
            self.view.ensureVisible(pos[0], pos[1], 160, 60)

    def _focus_inspector(self, node_id: str) -> None:
        self.select_node(node_id)
        self.inspector_dock.show()
        self.inspector_dock.raise_()

    # ------------------------------------------------------------------ theme, help
    def set_theme(self, name: str) -> None:
        self.theme = name
        apply_app_theme(name)
        set_theme(self.scene, name)
        self.view.minimap.schedule()
        self._theme_dashboard()
        self.settings.setValue("theme", name)
        for theme_name in THEME_NAMES:
            action = self.findChild(QAction, f"theme_{theme_name}")
            if action is not None:
                action.setChecked(theme_name == name)

    def _theme_dashboard(self) -> None:
        if self.dashboard is not None:
            from nnbuilder.app.dashboard.plot_theme import apply_plot_theme

            apply_plot_theme(self.dashboard, self.theme)

    def set_minimap_enabled(self, enabled: bool) -> None:
        """View ▸ Minimap: the overview in the canvas corner (remembered in the settings)."""
        self.view.minimap.set_enabled(enabled)
        self.settings.setValue("minimap", enabled)
        action = self.menu_actions["minimap"]
        if action.isChecked() != enabled:
            action.setChecked(enabled)  # toggled comes back here: a no-op

    def show_shortcuts(self) -> None:
        dialogs.show_text(self, "Keyboard shortcuts", shortcuts_text())

    def show_about(self) -> None:
        dialogs.show_about(self, __version__)

    # ------------------------------------------------------------------ window events
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if _project_urls(event):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = _project_urls(event)
        if paths:
            event.acceptProposedAction()
            QTimer.singleShot(0, lambda: self.open_path(paths[0]))

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._shown_once:
            self._shown_once = True
            self._ensure_canvas_room()
            self.view.frame_all(keep=self.view.keep_framed)
            after_first_frame(self, self._build_inspector)  # it shows the placeholder's text: not in the first frame

    def _build_inspector(self) -> None:
        _ = self.inspector

    def _restore_or_size_docks(self) -> None:
        """The saved dock layout, or the default one (called before the window is first shown)."""
        state = self.settings.value("window_state")
        if state is None or not self.restoreState(state):
            self.size_docks()

    def _ensure_canvas_room(self) -> None:
        """A restored layout that squeezes the canvas (another screen size) falls back to the default."""
        layout = self.layout()
        if layout is not None:  # lay out the restored docks now, not after the first frame
            layout.activate()
        if self.view is not None and self.view.width() < self.width() // 3:
            self.size_docks()
            if layout is not None:
                layout.activate()

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.maybe_save():
            event.ignore()
            return
        self.store.remove(self.path)
        if self.dashboard is not None:
            self.dashboard.shutdown()
        self._autosave_timer.stop()
        self._edit_autosave.stop()
        self.settings.setValue("geometry", self.saveGeometry())
        self.settings.setValue("window_state", self.arrangement.state_to_save())
        self.settings.sync()  # on disk now: the process ends without tearing its objects down (main.end_process)
        event.accept()


def _project_urls(event: QDragEnterEvent | QDropEvent) -> list[str]:
    mime = event.mimeData()
    if not mime.hasUrls():
        return []
    return [u.toLocalFile() for u in mime.urls() if u.isLocalFile() and u.toLocalFile().lower().endswith(".nnb")]

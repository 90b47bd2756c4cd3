"""The dashboard's Runs tab: every saved run of the project (GUI and CLI), newest first.

Tick runs to overlay their loss and metric per epoch on the Curves plots and to compare their
settings and final metrics side by side; click a run to see its gradient norms per layer (and, in the
Fitted curve and Embeddings tabs, its curve and projection).
The list is read from disk (the project's runs folder), so it survives a restart.
"""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from nnbuilder.app.dashboard.grad_norm_view import GradNormView
from nnbuilder.app.dashboard.run_table import CompareTable
from nnbuilder.run_compare import headline, run_date, run_label, run_status
from nnbuilder.run_store import list_project_runs, project_runs_folder
from nnbuilder.runfolder import CHECKPOINT_SUBDIR
from nnbuilder.runs import RunSummary

COLUMNS = ("Run", "Status", "Date", "Epochs", "Final metrics")
STATUS_COLORS = {"completed": "#2ca02c", "interrupted": "#ff7f0e", "failed": "#d62728"}
FOLDER_ROLE = Qt.ItemDataRole.UserRole


class RunsView(QWidget):
    """The run list, the comparison table of ticked runs and the gradient norms of the current run."""

    overlaysChanged = Signal(list)  # the ticked runs (RunSummary), newest first
    currentRunChanged = Signal(object)  # the run the user clicked or moved to (RunSummary); not on refresh

    def __init__(self, locate: Callable[[], tuple[str | None, str]], parent: QWidget | None = None) -> None:
        """``locate()`` gives the project's file path (None when unsaved) and its name."""
        super().__init__(parent)
        self.locate = locate
        self.runs: list[RunSummary] = []
        self.folder_label = QLabel("")
        self.folder_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.clicked.connect(self.refresh)
        self.resume_button = QPushButton("Resume")
        self.resume_button.clicked.connect(self.resume_current)
        self.differences_box = QCheckBox("only differences")
        self.differences_box.setToolTip("Show only the settings and metrics that differ between the ticked runs")
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(list(COLUMNS))
        self.tree.setRootIsDecorated(False)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setUniformRowHeights(True)
        # every column as wide as its text, the metrics too: at 1280 px a horizontal scroll bar reaches the
        # rest of them instead of an elided "val_loss 0.42…" (the full line is also the cell's tooltip)
        self.tree.header().setStretchLastSection(False)
        self.tree.header().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.tree.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        header = self.tree.header()  # shown as Run, Status, Final metrics, Date, Epochs (the columns keep their order)
        header.moveSection(header.visualIndex(COLUMNS.index("Final metrics")), COLUMNS.index("Date"))
        self.tree.itemChanged.connect(self._on_item_changed)
        self.tree.currentItemChanged.connect(lambda *_a: self._on_current(picked=True))
        self.tree.itemClicked.connect(lambda *_a: self.currentRunChanged.emit(self.current_run()))  # again, too
        self.table = CompareTable()
        self.differences_box.toggled.connect(self.table.set_only_differences)
        self.grad_view = GradNormView()
        self.details = QTabWidget()
        self.details.addTab(self.table, "Compare")
        self.details.addTab(self.grad_view, "Gradient norms")
        left = QWidget()
        column = QVBoxLayout(left)
        column.setContentsMargins(0, 0, 0, 0)
        bar = QHBoxLayout()
        bar.addWidget(self.folder_label, 1)
        for widget in (self.differences_box, self.resume_button, self.refresh_button):
            bar.addWidget(widget)
        column.addLayout(bar)
        column.addWidget(self.tree, 1)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(self.details)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([600, 400])  # the list (its metrics) gets the larger share
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)
        self._sync_resume()

    # ------------------------------------------------------------------ list
    def refresh(self) -> None:
        """Read the project's runs folder again; ticks and the current run are kept where the runs still exist."""
        path, name = self.locate()
        ticked = {r.folder for r in self.checked_runs()}
        current = self.current_run()
        self.runs = list_project_runs(path, name)
        folder = project_runs_folder(path, name)
        where = f"{len(self.runs)} run(s) in {folder}" if self.runs else f"No runs yet in {folder}"
        self.folder_label.setText(where if path else f"{where} (project not saved yet)")
        self.folder_label.setToolTip(str(folder))
        self.tree.blockSignals(True)
        self.tree.clear()
        for run in self.runs:
            item = QTreeWidgetItem([run_label(run), run_status(run), run_date(run), str(len(run.history)), headline(run)])
            item.setData(0, FOLDER_ROLE, str(run.folder))
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(0, Qt.CheckState.Checked if run.folder in ticked else Qt.CheckState.Unchecked)
            item.setForeground(1, _brush(STATUS_COLORS.get(run_status(run), "#7f7f7f")))
            item.setToolTip(4, headline(run))
            item.setToolTip(0, str(run.folder))
            if run.format_tag:  # export and load_run refuse it: say so here, not when they fail
                item.setText(1, f"{run_status(run)} ({run.format_tag})")
                item.setToolTip(1, run.format_note)
            self.tree.addTopLevelItem(item)
            if current is not None and run.folder == current.folder:
                self.tree.setCurrentItem(item)
        self.tree.blockSignals(False)
        self._on_current()
        self._ticks_changed()

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self.refresh()  # a run written by the CLI meanwhile, or the project saved under a new name

    def checked_runs(self) -> list[RunSummary]:
        """The ticked runs, newest first."""
        ticked = {self.tree.topLevelItem(i).data(0, FOLDER_ROLE) for i in range(self.tree.topLevelItemCount())
                  if self.tree.topLevelItem(i).checkState(0) == Qt.CheckState.Checked}
        return [r for r in self.runs if str(r.folder) in ticked]

    def current_run(self) -> RunSummary | None:
        item = self.tree.currentItem()
        folder = item.data(0, FOLDER_ROLE) if item is not None else None
        return next((r for r in self.runs if str(r.folder) == folder), None)

    def item_of(self, folder: str | Path) -> QTreeWidgetItem | None:
        """The list row of the run in ``folder``."""
        for i in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(i)
            if item.data(0, FOLDER_ROLE) == str(folder):
                return item
        return None

    def _on_item_changed(self, item: QTreeWidgetItem, column: int) -> None:
        if column == 0:
            self._ticks_changed()

    def _ticks_changed(self) -> None:
        checked = self.checked_runs()
        self.table.set_runs(checked)
        self.overlaysChanged.emit(checked)

    def _on_current(self, picked: bool = False) -> None:
        self.grad_view.show_run(self.current_run())
        self._sync_resume()
        if picked:
            self.currentRunChanged.emit(self.current_run())

    # ------------------------------------------------------------------ resume
    def _resume_handler(self) -> Callable[[Path], Any] | None:
        """The main window's ``resume_run(run_dir)``, when the window has one (a floating dock's too)."""
        main: QWidget = self
        while main.parentWidget() is not None:
            main = main.parentWidget()
        handler = getattr(main, "resume_run", None)
        return handler if callable(handler) and main is not self else None

    def _sync_resume(self) -> None:
        """Resume is offered for an interrupted run with a checkpoint, where the window can resume runs."""
        handler = self._resume_handler()
        self.resume_button.setVisible(handler is not None)
        run = self.current_run()
        resumable = run is not None and run_status(run) == "interrupted" and (run.folder / CHECKPOINT_SUBDIR).is_dir()
        self.resume_button.setEnabled(handler is not None and resumable)
        self.resume_button.setToolTip("Continue the selected interrupted run from its checkpoint" if resumable else
                                      "Select an interrupted run that left a checkpoint to continue it")

    def resume_current(self) -> bool:
        """Ask the main window to resume the current run; False when that cannot be done."""
        handler, run = self._resume_handler(), self.current_run()
        if handler is None or run is None or not self.resume_button.isEnabled():
            return False
        handler(run.folder)
        return True


def _brush(color: str) -> Any:
    from PySide6.QtGui import QBrush, QColor

    return QBrush(QColor(color))

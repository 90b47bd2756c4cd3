"""File handling for the main window: new/open/save, export, recent files, examples, recovery.

Nothing here loses work: a file that fails to open leaves the current document
alone, a failed save leaves the document modified, and modified documents are
copied to a recovery folder until they are saved or deliberately discarded.
"""
from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSettings
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu

from nnbuilder.app.window import dialogs
from nnbuilder.app.window.autosave import RecoveryStore
from nnbuilder.graph.document import GraphDocument
from nnbuilder.graph.project import Project, ProjectFileError, load_project, save_project
from nnbuilder.package_data import example_files, examples_dir

if TYPE_CHECKING:
    from PySide6.QtGui import QUndoStack

MAX_RECENT = 8
RECENT_KEY = "recent_files"


class FileActions:
    """Mixin for :class:`MainWindow`; needs ``stack``, ``settings``, ``store`` and ``install``."""

    stack: QUndoStack
    settings: QSettings
    store: RecoveryStore
    project: Project
    path: str | None
    recent_menu: QMenu
    examples_menu: QMenu

    if TYPE_CHECKING:  # provided by MainWindow / QMainWindow
        def install(self, project: Project, path: str | None, modified: bool = False) -> None: ...
        def update_title(self) -> None: ...
        def statusBar(self) -> Any: ...
        runner: Any
        doc: Any

    # ------------------------------------------------------------------ naming
    @property
    def display_name(self) -> str:
        return Path(self.path).stem if self.path else (self.project.name or "untitled")

    @property
    def is_modified(self) -> bool:
        return not self.stack.isClean()

    # ------------------------------------------------------------------ prompts
    def maybe_save(self) -> bool:
        """Ask Save/Discard/Cancel when modified; True when it is fine to drop the document."""
        if not self.is_modified:
            return True
        answer = dialogs.ask_unsaved(self, self.display_name)  # type: ignore[arg-type]
        if answer == dialogs.SAVE:
            return self.save()
        if answer == dialogs.DISCARD:
            self.store.remove(self.path)
            return True
        return False

    # ------------------------------------------------------------------ open
    def new_document(self) -> None:
        if self.maybe_save():
            self.install(Project("untitled", GraphDocument()), None)

    def open_dialog(self) -> None:
        folder = str(Path(self.path).parent) if self.path else str(examples_dir())
        path = dialogs.get_open_path(self, folder)  # type: ignore[arg-type]
        if path:
            self.open_path(path)

    def open_path(self, path: str, as_example: bool = False) -> bool:
        """Open ``path``; on any problem show it and keep the current document."""
        try:
            project = load_project(path)
        except ProjectFileError as exc:
            dialogs.show_error(self, "Cannot open project",  # type: ignore[arg-type]
                               f"“{path}” could not be opened ({len(exc.problems)} problem(s)). "
                               "The current document is unchanged.", exc.problems)
            if not os.path.exists(path):
                self._forget_recent(path)
            return False
        if not self.maybe_save():
            return False
        self.store.remove(self.path)
        self.install(project, None if as_example else os.path.abspath(path))
        if not as_example:
            self._remember_recent(os.path.abspath(path))
        return True

    # ------------------------------------------------------------------ save
    def save(self) -> bool:
        if self.path is None:
            return self.save_as()
        return self._write(self.path)

    def save_as(self) -> bool:
        suggestion = self.path or str(Path.home() / f"{self.display_name}.nnb")
        path = dialogs.get_save_path(self, suggestion)  # type: ignore[arg-type]
        if not path:
            return False
        old = self.path
        if not self._write(path):
            return False
        if old != self.path:
            self.store.remove(old)
        return True

    def _write(self, path: str) -> bool:
        path = os.path.abspath(path)
        if self.project.name in ("", "untitled"):
            self.project.name = Path(path).stem
        from nnbuilder.data.paths import rebase_data_paths  # nnbuilder.data loads torch: not at start-up

        folder = Path(path).parent
        rebased = rebase_data_paths(self.project.data, self.project.folder, folder)  # Save As: relative to the new file
        try:
            save_project(dataclasses.replace(self.project, data=rebased), path)
        except (OSError, ValueError) as exc:
            reason = getattr(exc, "strerror", None) or str(exc)
            dialogs.show_error(self, "Could not save",  # type: ignore[arg-type]
                               f"“{path}” could not be written: {reason}.\n\nYour changes are still open "
                               "and unsaved; use Save As… to choose another folder.")
            return False
        self.project.data, self.project.folder = rebased, folder
        old = self.path
        self.path = path
        if self.dashboard is not None:  # its runs now go beside the file (Save As of an example, a new project)
            self.dashboard.set_project_path(path)
        self.stack.setClean()
        self.store.remove(old)
        self.store.remove(path)
        self._remember_recent(path)
        self.update_title()
        self.statusBar().showMessage(f"Saved {path}", 4000)
        return True

    # ------------------------------------------------------------------ export
    def export_python(self) -> bool:
        """Compile the graph and write its source; problems are listed in a dialog."""
        analysis = self.runner.run_now()
        if analysis is None:
            return False
        if not analysis.valid:
            dialogs.show_error(self, "Cannot export", "Fix these problems first, then export again:",
                               [(i.node or "graph", i.message + (f" — {i.hint}" if i.hint else ""))
                                for i in analysis.errors])
            return False
        folder = Path(self.path).parent if self.path else Path.home()  # the project's folder, never the cwd
        suggestion = str(folder / f"{safe_module_name(self.display_name)}.py")
        target = dialogs.get_export_path(self, suggestion)
        if not target:
            return False
        from nnbuilder.compile import compile_graph, write_source  # lazy: torch

        try:
            compiled = compile_graph(self.doc, self.project.name or "Model", analysis)
            compiled = self._with_preprocessing(compiled)
            write_source(compiled.source, target)
        except OSError as exc:
            dialogs.show_error(self, "Export failed", f"“{target}” could not be written: {exc.strerror or exc}.")
            return False
        except Exception as exc:  # noqa: BLE001 - a compiler bug must not crash the editor
            dialogs.show_error(self, "Export failed", f"The model could not be compiled: {exc}")
            return False
        self.statusBar().showMessage(f"Exported {compiled.class_name} to {target}", 6000)
        return True

    def _with_preprocessing(self, compiled: object) -> object:
        """The module training builds (standardisation buffers, classes), so saved runs' weights load into it."""
        if self.project.data is None:
            return compiled
        from nnbuilder.pipeline import PipelineError, prepare

        try:
            return prepare(self.project).compiled
        except PipelineError as exc:
            where, message = exc.problems[0]
            self.statusBar().showMessage(f"Exported without the data's preprocessing ({where}: {message})", 8000)
            return compiled

    def export_training_script(self, folder: str | None = None) -> bool:
        """Write model.py + train.py (plain PyTorch, runnable with python or torchrun) into a chosen folder."""
        if folder is None:
            from PySide6.QtWidgets import QFileDialog

            start = str(Path(self.path).parent) if self.path else ""
            folder = QFileDialog.getExistingDirectory(self, "Export the training script into a folder", start)
        if not folder:
            return False
        from nnbuilder.export.script import ScriptExportError, export_script  # lazy: torch
        from nnbuilder.pipeline import PipelineError

        try:
            done = export_script(self.project, folder)
        except PipelineError as exc:
            dialogs.show_error(self, "Cannot export", "Fix these problems first, then export again:", exc.problems)
            return False
        except (ScriptExportError, OSError) as exc:
            dialogs.show_error(self, "Export failed", str(exc))
            return False
        if done.notes:
            dialogs.show_error(self, "Exported, with differences", f"The script in {folder} does not reproduce:",
                               [("training", note) for note in done.notes])
        self.statusBar().showMessage(f"Exported model.py and train.py to {folder} (python train.py, or torchrun)", 8000)
        return True

    # ------------------------------------------------------------------ recent + examples
    def recent_files(self) -> list[str]:
        value = self.settings.value(RECENT_KEY, [])
        if isinstance(value, str):
            value = [value]
        return [str(v) for v in (value or [])][:MAX_RECENT]

    def _remember_recent(self, path: str) -> None:
        files = [path] + [p for p in self.recent_files() if p != path]
        self.settings.setValue(RECENT_KEY, files[:MAX_RECENT])
        self.rebuild_recent_menu()

    def _forget_recent(self, path: str) -> None:
        self.settings.setValue(RECENT_KEY, [p for p in self.recent_files() if p != os.path.abspath(path)])
        self.rebuild_recent_menu()

    def rebuild_recent_menu(self) -> None:
        self.recent_menu.clear()
        for path in self.recent_files():
            action = QAction(Path(path).name, self.recent_menu)
            action.setToolTip(path)
            action.triggered.connect(lambda _checked=False, p=path: self.open_path(p))
            self.recent_menu.addAction(action)
        self.recent_menu.setEnabled(bool(self.recent_files()))

    def rebuild_examples_menu(self) -> None:
        from nnbuilder.lessons import lesson_groups

        self.examples_menu.clear()
        groups = lesson_groups(example_files())
        if groups:
            lessons = self.examples_menu.addMenu("Lessons")
            for lesson, paths in groups.items():
                sub = lessons.addMenu(lesson)
                for path in paths:
                    action = QAction(path.stem.replace("_", " "), sub)
                    action.setToolTip(str(path))
                    action.triggered.connect(lambda _checked=False, p=str(path): self.open_path(p, as_example=True))
                    sub.addAction(action)
            self.examples_menu.addSeparator()
        for path in example_files():
            action = QAction(path.stem.replace("_", " "), self.examples_menu)
            action.setToolTip(str(path))
            action.triggered.connect(lambda _checked=False, p=str(path): self.open_path(p, as_example=True))
            self.examples_menu.addAction(action)
        self.examples_menu.setEnabled(bool(self.examples_menu.actions()))

    # ------------------------------------------------------------------ autosave
    def autosave_now(self) -> bool:
        """Write a recovery copy if the document is modified; never raises."""
        if not self.is_modified:
            return False
        try:
            self.store.write(self.project, self.path)
        except (OSError, ValueError) as exc:
            self.statusBar().showMessage(f"Autosave failed: {exc}", 6000)
            return False
        return True

    def offer_recovery(self) -> bool:
        """If a recovery copy is newer than its project, offer it; True when restored."""
        pending = self.store.pending()
        if not pending:
            return False
        rec = pending[0]
        name = Path(rec.original).stem if rec.original else "an unsaved project"
        if not dialogs.ask_restore(self, name, rec.when):  # type: ignore[arg-type]
            self.store.remove(rec.original)
            return False
        try:
            project = load_project(rec.copy)
        except ProjectFileError as exc:
            dialogs.show_error(self, "Cannot restore", "The recovery copy is damaged.",  # type: ignore[arg-type]
                               exc.problems)
            self.store.remove(rec.original)
            return False
        project.folder = Path(rec.original).parent if rec.original else None  # paths as in the original
        self.install(project, rec.original, modified=True)
        return True


def safe_module_name(name: str) -> str:
    """A file name that imports as a Python module: "LeNet CNN" → "lenet_cnn"."""
    import re

    stem = re.sub(r"\W+", "_", name.strip().lower()).strip("_") or "model"
    return f"model_{stem}" if stem[0].isdigit() else stem

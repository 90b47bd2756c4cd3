"""Every dialog the main window shows, as plain functions.

Keeping them here gives one place for their wording and lets tests replace a
function (``monkeypatch.setattr(dialogs, "ask_unsaved", ...)``) instead of
driving a modal dialog.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

# The Qt classes are looked up when a dialog opens: creating their Python types (QMessageBox's enums, the
# file dialog...) costs milliseconds that the editor's launch should not pay.

SAVE, DISCARD, CANCEL = "save", "discard", "cancel"
PROJECT_FILTER = "nnbuilder projects (*.nnb);;All files (*)"
PYTHON_FILTER = "Python files (*.py)"
WEIGHTS_FILTER = "Weights (*.safetensors *.pth *.pt);;All files (*)"


def ask_unsaved(parent: QWidget | None, name: str) -> str:
    """Save / Discard / Cancel for a modified document called ``name``."""
    from PySide6.QtWidgets import QMessageBox

    box = QMessageBox(QMessageBox.Icon.Warning, "Unsaved changes",
                      f"“{name}” has unsaved changes. Save them first?",
                      QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
                      | QMessageBox.StandardButton.Cancel, parent)
    box.setDefaultButton(QMessageBox.StandardButton.Save)
    answer = box.exec()
    return {QMessageBox.StandardButton.Save: SAVE,
            QMessageBox.StandardButton.Discard: DISCARD}.get(QMessageBox.StandardButton(answer), CANCEL)


def ask_wiring_fix(parent: QWidget | None, problems: list[str], fix_label: str | None) -> str:
    """Before training: the loss/output traps found; "apply" (the first fix), "train" (anyway) or "cancel"."""
    from PySide6.QtWidgets import QMessageBox

    box = QMessageBox(QMessageBox.Icon.Warning, "Check the output and the loss",
                      "\n\n".join(problems), QMessageBox.StandardButton.Cancel, parent)
    apply = box.addButton(fix_label, QMessageBox.ButtonRole.AcceptRole) if fix_label else None
    train = box.addButton("Train anyway", QMessageBox.ButtonRole.DestructiveRole)
    box.setDefaultButton(apply or train)
    box.exec()
    clicked = box.clickedButton()
    return "apply" if apply is not None and clicked is apply else "train" if clicked is train else "cancel"


def ask_restore(parent: QWidget | None, name: str, when: str) -> bool:
    """Offer to restore an autosaved recovery copy."""
    from PySide6.QtWidgets import QMessageBox

    answer = QMessageBox.question(
        parent, "Restore unsaved work?",
        f"nnbuilder found unsaved changes to “{name}” from {when} (it did not close cleanly).\n"
        "Restore them?", QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.Yes)
    return answer == QMessageBox.StandardButton.Yes


def show_error(parent: QWidget | None, title: str, message: str,
               problems: Sequence[tuple[str, str]] = ()) -> None:
    """An error with an optional table of (where, what) problems."""
    from PySide6.QtWidgets import (
        QDialog,
        QDialogButtonBox,
        QLabel,
        QMessageBox,
        QTableWidget,
        QTableWidgetItem,
        QVBoxLayout,
    )

    if not problems:
        QMessageBox.critical(parent, title, message)
        return
    dialog = QDialog(parent)
    dialog.setWindowTitle(title)
    layout = QVBoxLayout(dialog)
    label = QLabel(message)
    label.setWordWrap(True)
    layout.addWidget(label)
    table = QTableWidget(len(problems), 2)
    table.setHorizontalHeaderLabels(["Where", "Problem"])
    for row, (where, what) in enumerate(problems):
        table.setItem(row, 0, QTableWidgetItem(where))
        table.setItem(row, 1, QTableWidgetItem(what))
    table.resizeColumnsToContents()
    table.horizontalHeader().setStretchLastSection(True)
    table.verticalHeader().hide()
    layout.addWidget(table)
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
    buttons.rejected.connect(dialog.reject)
    layout.addWidget(buttons)
    dialog.resize(720, 320)
    dialog.exec()


def get_open_path(parent: QWidget | None, folder: str = "") -> str:
    from PySide6.QtWidgets import QFileDialog

    path, _ = QFileDialog.getOpenFileName(parent, "Open project", folder, PROJECT_FILTER)
    return path


def get_save_path(parent: QWidget | None, suggestion: str = "") -> str:
    from PySide6.QtWidgets import QFileDialog

    path, _ = QFileDialog.getSaveFileName(parent, "Save project as", suggestion, PROJECT_FILTER)
    if path and not path.lower().endswith(".nnb"):
        path += ".nnb"
    return path


def get_export_path(parent: QWidget | None, suggestion: str = "") -> str:
    from PySide6.QtWidgets import QFileDialog

    path, _ = QFileDialog.getSaveFileName(parent, "Export Python", suggestion, PYTHON_FILTER)
    if path and not path.lower().endswith(".py"):
        path += ".py"
    return path


def show_text(parent: QWidget | None, title: str, text: str) -> None:
    """A read-only text dialog (keyboard shortcuts)."""
    from PySide6.QtWidgets import QDialog, QDialogButtonBox, QPlainTextEdit, QVBoxLayout

    dialog = QDialog(parent)
    dialog.setWindowTitle(title)
    layout = QVBoxLayout(dialog)
    from PySide6.QtGui import QFontDatabase

    view = QPlainTextEdit(text)
    view.setReadOnly(True)
    view.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))  # the columns line up
    view.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
    layout.addWidget(view)
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
    buttons.rejected.connect(dialog.reject)
    layout.addWidget(buttons)
    dialog.resize(640, 520)
    dialog.exec()


def show_about(parent: QWidget | None, version: str) -> None:
    from PySide6.QtWidgets import QMessageBox

    QMessageBox.about(parent, "About nnbuilder",
                      f"<b>nnbuilder {version}</b><p>Build neural networks by drag and drop, "
                      "watch them train, and export plain PyTorch.</p>")


def open_weights_file(parent: QWidget | None) -> str | None:
    """A local pretrained-weights file for a Backbone node, or None when cancelled."""
    from PySide6.QtWidgets import QFileDialog

    path, _ = QFileDialog.getOpenFileName(parent, "Pretrained weights", "", WEIGHTS_FILTER)
    return path or None


def ask_classes(parent: QWidget | None, reason: str) -> int | None:
    """How many outputs a new classifier head should have (``reason`` says why we ask); None: cancelled."""
    from PySide6.QtWidgets import QInputDialog

    value, ok = QInputDialog.getInt(parent, "Replace head", f"{reason}\nNumber of classes (1 for regression):",
                                    1, 1, 100_000)
    return value if ok else None

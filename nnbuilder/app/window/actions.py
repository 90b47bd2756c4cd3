"""Menus, actions and keyboard shortcuts of the main window, declared as one table.

Canvas actions (Delete, copy/paste, F, Tab) are scoped to the canvas view so
that typing in the inspector or the palette search never deletes or frames.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QMenu

if TYPE_CHECKING:
    from nnbuilder.app.window.main_window import MainWindow

StdKey = QKeySequence.StandardKey


@dataclass(frozen=True)
class ActionDef:
    name: str
    menu: str
    text: str
    keys: tuple[QKeySequence | StdKey | str, ...] = ()
    slot: str = ""  # MainWindow method name
    canvas: bool = False  # shortcut active only while the canvas has focus
    separator_before: bool = False
    checkable: bool = False  # an on/off setting: the slot receives the new state


ACTIONS: tuple[ActionDef, ...] = (
    ActionDef("new", "&File", "&New", (StdKey.New,), "new_document"),
    ActionDef("open", "&File", "&Open…", (StdKey.Open,), "open_dialog"),
    ActionDef("save", "&File", "&Save", (StdKey.Save,), "save"),
    ActionDef("save_as", "&File", "Save &As…", ("Ctrl+Shift+S",), "save_as"),
    ActionDef("export", "&File", "&Export Python…", ("Ctrl+E",), "export_python", separator_before=True),
    ActionDef("export_script", "&File", "Export &Training Script…", (), "export_training_script"),
    ActionDef("quit", "&File", "&Quit", (StdKey.Quit, "Ctrl+Q"), "close", separator_before=True),
    ActionDef("undo", "&Edit", "&Undo", (StdKey.Undo,), "undo"),
    ActionDef("redo", "&Edit", "&Redo", ("Ctrl+Shift+Z", "Ctrl+Y"), "redo"),
    ActionDef("cut", "&Edit", "Cu&t", (StdKey.Cut,), "cut", canvas=True, separator_before=True),
    ActionDef("copy", "&Edit", "&Copy", (StdKey.Copy,), "copy", canvas=True),
    ActionDef("paste", "&Edit", "&Paste", (StdKey.Paste,), "paste", canvas=True),
    ActionDef("duplicate", "&Edit", "&Duplicate", ("Ctrl+D",), "duplicate", canvas=True),
    ActionDef("delete", "&Edit", "De&lete", ("Del", "Backspace"), "delete", canvas=True),
    ActionDef("select_all", "&Edit", "Select &All", (StdKey.SelectAll,), "select_all", canvas=True),
    ActionDef("quick_add", "&Edit", "&Quick Add Layer…", ("Tab",), "quick_add", canvas=True,
              separator_before=True),
    ActionDef("make_block", "&Edit", "Make &Block…", ("Ctrl+B",), "make_block", canvas=True, separator_before=True),
    ActionDef("expand_block", "&Edit", "E&xpand Block", ("Ctrl+Shift+B",), "expand_block", canvas=True),
    ActionDef("repeat_block", "&Edit", "Block &Repeat…", (), "repeat_block", canvas=True),
    ActionDef("frame_all", "&View", "&Frame All", ("F",), "frame_all", canvas=True),
    ActionDef("auto_layout", "&View", "Auto &Layout", ("Ctrl+L",), "auto_layout"),
    ActionDef("minimap", "&View", "&Minimap", (), "set_minimap_enabled", checkable=True, separator_before=True),
    ActionDef("dashboard", "&Train", "Training &Dashboard", ("Ctrl+T",), "toggle_dashboard"),
    ActionDef("train_start", "&Train", "&Start Training", ("F5",), "start_training", separator_before=True),
    ActionDef("train_pause", "&Train", "&Pause / Resume", ("F6",), "pause_training"),
    ActionDef("train_stop", "&Train", "S&top", ("Shift+F5",), "stop_training"),
    ActionDef("train_resume", "&Train", "&Resume Run…", (), "resume_run_dialog"),
    ActionDef("find_lr", "&Train", "Find &Learning Rate", (), "find_learning_rate", separator_before=True),
    ActionDef("shortcuts", "&Help", "&Keyboard Shortcuts", ("F1",), "show_shortcuts"),
    ActionDef("about", "&Help", "&About nnbuilder", (), "show_about"),
)

EXTRA_SHORTCUTS = (
    ("Mouse wheel", "zoom in / out around the pointer"),
    ("Middle-drag, or Space + drag", "pan the canvas"),
    ("Click a connection, then Del", "delete that connection"),
    ("Drag a palette item onto the canvas", "add that layer"),
    ("Drop a layer on a connection", "insert it there"),
    ("Drag an unconnected node onto a connection", "insert it there (a wired node only moves)"),
    ("Drag from a port into empty space", "search a layer and connect it"),
    ("Tab with one node selected", "add a layer connected after it"),
    ("Double-click a palette item", "add it at the centre of the view"),
    ("Drag from an output port to an input port", "connect two layers"),
    ("Drop a .nnb file on the window", "open it"),
)


def key_text(keys: tuple[QKeySequence | StdKey | str, ...]) -> str:
    """The keys as shown to people; the F13–F35 aliases some platforms add to Undo/Copy/… are left out."""
    texts = [s.toString(QKeySequence.SequenceFormat.NativeText) for s in sequences(keys)]
    return " / ".join(t for t in dict.fromkeys(texts)
                      if not _FAR_FUNCTION_KEY.fullmatch(t) and not (_MEDIA_KEY.fullmatch(t) and t not in _PLAIN))


_FAR_FUNCTION_KEY = re.compile(r"F(1[3-9]|2\d|3[0-5])")  # X11's Undo = F14, Copy = F16...
_MEDIA_KEY = re.compile(r"[A-Z][a-z]+")  # the keyboards' dedicated New/Open/Undo/Cut keys
_PLAIN = {"Backspace", "Tab", "Del", "Space", "Esc", "Return", "Enter"}


def shortcuts_text() -> str:
    """The Help > Keyboard Shortcuts listing."""
    rows = [(key_text(d.keys), d.text.replace("&", "").rstrip("…")) for d in ACTIONS if d.keys]
    rows = [(keys, what) for keys, what in rows if keys]
    width = max(len(k) for k, _ in rows + list(EXTRA_SHORTCUTS)) + 3
    lines = [f"{keys:<{width}}{what}" for keys, what in rows]
    lines.append("")
    lines += [f"{how:<{width}}{what}" for how, what in EXTRA_SHORTCUTS]
    return "\n".join(lines)


def build_menus(window: MainWindow) -> dict[str, QAction]:
    """Create every action and menu; returns actions by name."""
    actions: dict[str, QAction] = {}
    menus: dict[str, QMenu] = {}
    bar = window.menuBar()
    for d in ACTIONS:
        menu = menus.get(d.menu) or menus.setdefault(d.menu, bar.addMenu(d.menu))
        if d.separator_before:
            menu.addSeparator()
        action = QAction(d.text, window)
        action.setShortcuts(sequences(d.keys))
        action.setObjectName(d.name)
        slot: Callable[..., object] = getattr(window, d.slot)
        if d.checkable:
            action.setCheckable(True)
            action.toggled.connect(slot)
        else:
            action.triggered.connect(lambda _checked=False, s=slot: s())
        menu.addAction(action)
        actions[d.name] = action
        if d.name == "open":
            window.recent_menu = menu.addMenu("Open &Recent")
            window.examples_menu = menu.addMenu("E&xamples")
        if d.name == "minimap":
            action.setStatusTip("An overview of the whole graph in the canvas corner, while it does not fit")
            window.theme_menu = _theme_menu(window, menu)
            window.panels_menu = menu.addMenu("&Panels")
    return actions


def sequences(keys: tuple[QKeySequence | StdKey | str, ...]) -> list[QKeySequence]:
    """Key sequences, expanding platform standard keys (Undo, Save...) to all their bindings."""
    out: list[QKeySequence] = []
    for key in keys:
        out += QKeySequence.keyBindings(key) if isinstance(key, StdKey) else [QKeySequence(key)]
    # once each: a key listed twice (StdKey.Quit is Ctrl+Q on X11) makes Qt call the shortcut ambiguous and ignore it
    return [s for i, s in enumerate(out) if not s.isEmpty() and s not in out[:i]]


def _theme_menu(window: MainWindow, view_menu: QMenu) -> QMenu:
    menu = view_menu.addMenu("&Theme")
    group = QActionGroup(window)
    for name in ("light", "dark"):
        action = QAction(name.title(), window, checkable=True)
        action.setObjectName(f"theme_{name}")
        action.triggered.connect(lambda _checked=False, n=name: window.set_theme(n))
        group.addAction(action)
        menu.addAction(action)
    return menu


def canvas_action_names() -> list[str]:
    return [d.name for d in ACTIONS if d.canvas]

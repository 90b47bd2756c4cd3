"""Can the editor open a window here?  Checked before Qt is imported, so that a machine without a
display or without Qt's X11 libraries gets one clear sentence instead of Qt's abort (SIGABRT).

Linux only (Windows and macOS always have a display for a desktop session).  Qt picks ``wayland``
when ``WAYLAND_DISPLAY`` is set, otherwise ``xcb`` (X11, needs ``DISPLAY`` and the xcb libraries
below); ``QT_QPA_PLATFORM`` overrides the choice (``offscreen`` needs nothing).
"""
from __future__ import annotations

import ctypes
import os
import sys
from collections.abc import Callable, Mapping

# Libraries Qt 6's xcb platform plugin loads that minimal Linux images lack, with their Debian/Ubuntu package.
XCB_LIBRARIES = {
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
}
HEADLESS = "use the headless commands instead (nnbuilder validate | export | train; see nnbuilder help)"


def _loads(name: str) -> bool:
    try:
        ctypes.CDLL(name)
    except OSError:
        return False
    return True


def missing_xcb_libraries(loads: Callable[[str], bool] = _loads) -> list[str]:
    """The xcb libraries that cannot be loaded (empty when Qt's X11 plugin has what it needs)."""
    return [name for name in XCB_LIBRARIES if not loads(name)]


def display_problem(env: Mapping[str, str] | None = None, platform: str | None = None,
                    loads: Callable[[str], bool] = _loads) -> str | None:
    """One sentence saying why no window can open here, or None when Qt should start."""
    env = os.environ if env is None else env
    if not (platform or sys.platform).startswith("linux"):
        return None
    qpa = env.get("QT_QPA_PLATFORM", "").split(";")[0].split(":")[0].strip()
    if qpa and qpa != "xcb" and not qpa.startswith("wayland"):
        return None  # offscreen, eglfs, vnc...: the user chose a platform that needs no display server
    if qpa.startswith("wayland"):
        return None if env.get("WAYLAND_DISPLAY") else (
            f"QT_QPA_PLATFORM is {qpa} but WAYLAND_DISPLAY is not set, so no window can open; {HEADLESS}")
    if not qpa and env.get("WAYLAND_DISPLAY"):
        return None
    if not env.get("DISPLAY"):
        return ("no display found (DISPLAY and WAYLAND_DISPLAY are not set), so the editor cannot open a window; "
                f"{HEADLESS}")
    missing = missing_xcb_libraries(loads)
    if missing:
        packages = " ".join(XCB_LIBRARIES[name] for name in missing)
        return (f"Qt cannot open a window on X11 because {', '.join(missing)} cannot be loaded; install them "
                f"(Debian/Ubuntu: sudo apt-get install {packages}) or {HEADLESS}")
    return None

"""Atomic writes of files and whole folders: write beside the target, fsync, then one rename; and
reading a JSON file that must hold an object (:func:`read_json_object`).

Files and folders get the permissions a plain ``open``/``mkdir`` would give under the user's umask
(0644/0755 under umask 022), not the 0600/0700 of :mod:`tempfile`. Temp names carry the writer's
process id, so the next writer removes those whose process is gone (killed writers leave no garbage
behind for long).
"""
from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

TEMP_MARK = ".tmp-"
_TEMP_RE = re.compile(r"^\..+\.tmp-(\d+)-[0-9a-f]+(?:\.old)?$")


def current_umask() -> int:
    """The process umask, read without changing it where the OS allows (Linux ``/proc``)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _temp_name(target: Path) -> Path:
    return target.parent / f".{target.name}{TEMP_MARK}{os.getpid()}-{secrets.token_hex(4)}"


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` so that readers see the old or the new file, never half of one."""
    target = Path(path)
    clean_stale_temps(target.parent, target.name)
    tmp = _temp_name(target)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # the umask applies, as for open()
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target


def atomic_write_text(path: str | os.PathLike[str], text: str) -> Path:
    """Write ``text`` (UTF-8, ``\\n`` newlines) so readers see the old or the new file, never half of one."""
    return atomic_write_bytes(path, text.encode("utf-8"))


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def clean_stale_temps(folder: str | os.PathLike[str], name: str | None = None) -> list[Path]:
    """Remove temp files/folders in ``folder`` (of target ``name`` only, if given) left by dead writers."""
    removed = []
    try:
        entries = list(Path(folder).iterdir())
    except OSError:
        return removed
    for entry in entries:
        match = _TEMP_RE.match(entry.name)
        if not match or (name is not None and not entry.name.startswith(f".{name}{TEMP_MARK}")):
            continue
        if entry.name.endswith(".old"):  # a previous version renamed aside by a writer killed mid-swap
            target = entry.parent / entry.name[1:].split(TEMP_MARK)[0]
            if not target.exists():
                os.replace(entry, target)
                removed.append(entry)
                continue
        elif _pid_alive(int(match.group(1))):
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)
        removed.append(entry)
    return removed


def make_temp_dir(target: str | os.PathLike[str]) -> Path:
    """A new empty folder beside ``target`` (same file system, so a rename can publish it)."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    clean_stale_temps(target.parent, target.name)
    tmp = _temp_name(target)
    tmp.mkdir(0o777)  # the umask applies, as for mkdir
    return tmp


def fsync_tree(folder: str | os.PathLike[str]) -> None:
    """fsync every file and folder under ``folder`` (and the folder itself), giving each the umask's permissions.

    Writers such as safetensors create private (0600) files; a run folder's files get what ``open`` gives.
    """
    mask = current_umask()
    for root, _dirs, files in os.walk(folder):
        for name in files:
            path = os.path.join(root, name)
            if os.path.islink(path):
                continue
            if os.stat(path).st_nlink == 1:  # not a hard link carried over from a previous version
                os.chmod(path, 0o666 & ~mask)
            if sys.platform != "win32":
                fd = os.open(path, os.O_RDONLY)
                try:
                    os.fsync(fd)
                finally:
                    os.close(fd)
        os.chmod(root, 0o777 & ~mask)
        _fsync_dir(root)


def _fsync_dir(path: str | os.PathLike[str]) -> None:
    if sys.platform == "win32":
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _renameat2():
    if not sys.platform.startswith("linux"):
        return None
    import ctypes  # on first use (ctypes.util costs ≈ 20 ms, paid before the editor's first frame otherwise)
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        func = libc.renameat2
    except (OSError, AttributeError):
        return None
    func.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    func.restype = ctypes.c_int
    return func


_EXCHANGE = _renameat2()


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one atomic step (Linux renameat2); False where the OS or file system cannot."""
    if _EXCHANGE is None:
        return False
    return _EXCHANGE(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0


def publish_dir(tmp: str | os.PathLike[str], target: str | os.PathLike[str]) -> Path:
    """Make the finished folder ``tmp`` appear as ``target`` by one rename; the old ``target`` stays whole until then.

    An existing ``target`` is swapped atomically where the OS can (Linux); elsewhere it is renamed aside
    first (a reader can then see no folder for an instant, never a mixed one).
    """
    tmp, target = Path(tmp), Path(target)
    fsync_tree(tmp)
    if target.is_dir() and not target.is_symlink():
        if not _exchange(tmp, target):
            old = target.parent / f"{tmp.name}.old"
            os.replace(target, old)
            os.replace(tmp, target)
            tmp = old
        _fsync_dir(target.parent)
        shutil.rmtree(tmp, ignore_errors=True)
    else:
        os.replace(tmp, target)
        _fsync_dir(target.parent)
    return target


@contextmanager
def atomic_dir(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Write a folder's content into the yielded temp folder; on success it replaces ``target`` whole."""
    tmp = make_temp_dir(target)
    try:
        yield tmp
        publish_dir(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def check_writable(folder: str | os.PathLike[str]) -> None:
    """Raise OSError unless a run folder can be created at ``folder`` (its parent accepts new files)."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise NotADirectoryError(f"{folder} exists and is not a folder")
    tmp = make_temp_dir(folder)
    try:
        atomic_write_bytes(tmp / "probe", b"x" * 4096)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


class JsonFileError(ValueError):
    """A JSON file that cannot be used; the message names the file and why (callers re-raise their own type)."""


_JSON_KINDS = {list: "an array", str: "a string", int: "a number", float: "a number", bool: "true/false",
               type(None): "null"}


def read_json_object(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The JSON object in ``path``; :class:`JsonFileError` ``"<path>: unreadable (<why>)"`` when the file cannot
    be read or is not JSON, ``"<path>: expected a JSON object, found an array"`` when it holds something else."""
    try:
        value = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        why = getattr(exc, "strerror", None) or str(exc)
        raise JsonFileError(f"{path}: unreadable ({why[:200]})") from None
    if not isinstance(value, dict):
        raise JsonFileError(f"{path}: expected a JSON object, found {_JSON_KINDS.get(type(value), 'something else')}")
    return value

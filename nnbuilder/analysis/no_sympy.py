"""Shape inference without importing sympy (about 0.7 s of CPU, most of what ``validate`` adds to torch's import).

torch's Python meta kernels (``addmm`` behind ``nn.Linear``, the elementwise references, ``torch._check``)
import ``torch.fx.experimental.symbolic_shapes`` and ``sympy`` inside the functions, on first use, to handle
symbolic sizes (``SymInt``/``SymBool``) that only a compiler's tracing produces.  Shape inference runs on
meta tensors with concrete sizes, so every value those helpers see is a plain ``bool``/``int`` and they take
their first branch.  While neither module is loaded, :func:`symbolic_shapes_not_loaded` stands in
modules whose functions are exactly those plain branches (copied from torch 2.x) and which load the real
modules for anything else: a symbolic value, or a name not listed here.  The stand-ins are removed when the
block ends, so the next import anywhere gets the real modules.  Tested in
``tests/analysis/test_no_sympy.py``: every example's shapes are the same with and without the stand-ins.
"""
from __future__ import annotations

import contextlib
import functools
import importlib
import operator
import sys
import threading
import types
from collections.abc import Callable, Iterator
from typing import Any

SYMPY = "sympy"
SHAPES = "torch.fx.experimental.symbolic_shapes"
_lock = threading.Lock()


class _NotSympy:
    """Stands for ``sympy.Basic`` in torch's ``isinstance(x, (Number, TensorLike, sympy.Basic))``: nothing is one."""


def _plain(value: Any, kind: type) -> bool:
    return type(value) is kind


class _StandIn(types.ModuleType):
    """A module whose listed attributes are given; any other attribute loads the real modules."""

    def __init__(self, name: str, attrs: dict[str, Any]) -> None:
        super().__init__(name)
        self.__dict__.update(attrs)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):  # the import system asks for __path__ & co.: a plain module has none
            raise AttributeError(name)
        return getattr(_load_real(self.__name__), name)


def _load_real(name: str) -> types.ModuleType:
    """Drop both stand-ins (the real symbolic_shapes imports the real sympy) and import the real module."""
    _remove()
    return importlib.import_module(name)


def _delegate(name: str) -> Callable[..., Any]:
    return lambda *args, **kwargs: getattr(_load_real(SHAPES), name)(*args, **kwargs)


def _bool_or_real(name: str) -> Callable[..., Any]:
    """``guard_or_false``, ``statically_known_true``, ``expect_true``…: a plain bool is returned as it is."""
    real = _delegate(name)

    def fn(a: Any, *args: Any, **kwargs: Any) -> Any:
        return a if _plain(a, bool) else real(a, *args, **kwargs)

    fn.__name__ = name
    return fn


def _guard_int(a: Any) -> Any:
    return a if _plain(a, int) else _delegate("guard_int")(a)


def _sym_eq(x: Any, y: Any) -> Any:
    if isinstance(x, (tuple, list)) and isinstance(y, (list, tuple)):
        if len(x) != len(y):
            return False
        return functools.reduce(operator.and_, map(_sym_eq, x, y), True)
    if _plain(x, int) and _plain(y, int):
        return x == y
    return _delegate("sym_eq")(x, y)


def _fold(op: Callable[[Any, Any], Any]) -> Callable[..., Any]:
    def fn(x: Any, *others: Any) -> Any:  # sym_and / sym_or: the real ones fold with operator.and_/or_ too
        for y in others:
            x = op(x, y)
        return x

    return fn


def _hint(a: Any) -> Any:
    return a if _plain(a, bool) or _plain(a, int) else _delegate("guarding_hint_or_throw")(a)


def _has_hint(a: Any) -> Any:
    return True if isinstance(a, (bool, int, float)) else _delegate("has_guarding_hint")(a)


def _is_nested_int(s: Any) -> Any:
    return False if isinstance(s, (int, float)) else _delegate("is_nested_int")(s)


def _shapes_attrs() -> dict[str, Any]:
    attrs: dict[str, Any] = {name: _bool_or_real(name) for name in (
        "guard_or_false", "guard_or_true", "statically_known_true", "expect_true", "guard_bool",
        "guard_size_oblivious")}
    attrs.update(guard_int=_guard_int, sym_eq=_sym_eq, sym_and=_fold(operator.and_), sym_or=_fold(operator.or_),
                 is_nested_int=_is_nested_int, guarding_hint_or_throw=_hint, has_guarding_hint=_has_hint)
    return attrs


_active: list[_StandIn] = []


def _remove() -> None:
    """Retire the stand-ins: out of ``sys.modules``, and any reference kept to one forwards to the real module."""
    for stand_in in _active:
        if sys.modules.get(stand_in.__name__) is stand_in:
            del sys.modules[stand_in.__name__]
        for name in [n for n in vars(stand_in) if not n.startswith("__")]:
            delattr(stand_in, name)
    _active.clear()
    with contextlib.suppress(ValueError):
        sys.meta_path.remove(_GUARD)


class _ImportGuard:
    """First on ``sys.meta_path`` during the block: a module being imported for real (so about to run its own
    ``import sympy``) retires the stand-ins first, so no module ever keeps one."""

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> None:
        if not name.startswith("nnbuilder."):  # nnbuilder's own modules do not import sympy themselves
            _remove()


_GUARD = _ImportGuard()


@contextlib.contextmanager
def symbolic_shapes_not_loaded() -> Iterator[None]:
    """Run the block with the stand-ins when sympy and symbolic_shapes are not loaded; otherwise change nothing."""
    if SYMPY in sys.modules or SHAPES in sys.modules or not _lock.acquire(blocking=False):
        yield
        return
    importlib.import_module("torch.utils._device")  # loaded by `with torch.device(...)`, before the guard goes in
    _active.extend([_StandIn(SYMPY, {"Basic": _NotSympy}), _StandIn(SHAPES, _shapes_attrs())])
    for stand_in in _active:
        sys.modules[stand_in.__name__] = stand_in
    sys.meta_path.insert(0, _GUARD)
    try:
        yield
    finally:
        _remove()
        _lock.release()

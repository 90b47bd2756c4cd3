"""Legal, unique Python identifiers from arbitrary user text (node ids, project names)."""
from __future__ import annotations

import builtins
import keyword
import re
import unicodedata

# Names generated code relies on, plus everything nn.Module defines (an attribute
# called ``train`` or ``forward`` would break the module), plus modules a reader may import
# beside the exported class (a node called "os" must not shadow ``import os``).
_RESERVED = {"self", "torch", "nn", "torchvision", "model", "example", "super",
             "os", "sys", "subprocess", "shutil", "math", "np", "F"}


def _module_attributes() -> set[str]:
    from torch import nn

    return set(dir(nn.Module))


class Namespace:
    """Hands out identifiers that are legal, unique, and never a keyword or builtin."""

    def __init__(self, reserved: set[str] | None = None) -> None:
        self._taken: set[str] = set(_RESERVED) | set(dir(builtins)) | set(keyword.kwlist) | set(keyword.softkwlist)
        self._taken |= _module_attributes()
        if reserved:
            self._taken |= reserved
        self._names: dict[str, str] = {}

    def name(self, key: str, text: str | None = None) -> str:
        """The identifier for ``key`` (stable across calls), derived from ``text`` or ``key``."""
        if key in self._names:
            return self._names[key]
        base = identifier(text if text is not None else key)
        candidate = base
        n = 2
        while candidate in self._taken:
            candidate = f"{base}_{n}" if not base.endswith("_") else f"{base}{n}"
            n += 1
        self._taken.add(candidate)
        self._names[key] = candidate
        return candidate


def identifier(text: str) -> str:
    """A snake-ish identifier from ``text``: ASCII letters, digits and underscores only."""
    normal = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    name = re.sub(r"[^0-9A-Za-z_]+", "_", normal).strip("_")
    if not name:
        name = "node"
    if name[0].isdigit():
        name = f"n{name}"
    if keyword.iskeyword(name) or keyword.issoftkeyword(name) or name in dir(builtins) or name in _RESERVED:
        name = f"{name}_"
    return name[:60]


def class_name(text: str, default: str = "Model") -> str:
    """A CamelCase class name from a project name ('seed regression' → 'SeedRegression')."""
    normal = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    words = re.findall(r"[A-Za-z0-9]+", normal)
    name = "".join(w[:1].upper() + w[1:] for w in words)[:60]
    if not name or not name[0].isalpha():
        name = default + name
    if keyword.iskeyword(name) or name in dir(builtins) or name in _RESERVED or name in ("Module", "Tensor"):
        name = f"{name}Model"
    return name


def comment_text(text: str, limit: int = 80) -> str:
    """User text made safe for a ``#`` comment: printable, one line, no control characters."""
    clean = "".join(ch if ch.isprintable() and ch not in "\r\n\x0b\x0c\x85\u2028\u2029" else " " for ch in str(text))
    clean = re.sub(r"\s+", " ", clean).strip()
    return clean if len(clean) <= limit else clean[: limit - 3] + "..."

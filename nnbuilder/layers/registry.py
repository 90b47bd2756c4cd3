"""The layer registry: maps a node ``type`` to its :class:`LayerSpec`.

Types only ever reach generated code through this registry, never through
``getattr(nn, user_text)``.
"""
from __future__ import annotations

from collections.abc import Iterator

from nnbuilder.layers.spec import OPAQUE, LayerSpec


class UnknownLayerType(KeyError):
    """A node type the registry does not know."""

    def __init__(self, type_name: str, suggestions: list[str]) -> None:
        super().__init__(type_name)
        self.type_name = type_name
        self.suggestions = suggestions

    def __str__(self) -> str:
        hint = f" (did you mean {', '.join(self.suggestions)}?)" if self.suggestions else ""
        return f"unknown layer type {self.type_name!r}{hint}"


class LayerRegistry:
    """An ordered collection of layer specs that refuses duplicate types."""

    def __init__(self) -> None:
        self._specs: dict[str, LayerSpec] = {}

    def register(self, spec: LayerSpec) -> LayerSpec:
        if spec.type in self._specs:
            raise ValueError(f"layer type {spec.type!r} is already registered")
        if not spec.type.isidentifier():
            raise ValueError(f"layer type {spec.type!r} is not an identifier")
        self._specs[spec.type] = spec
        return spec

    def get(self, type_name: str) -> LayerSpec:
        try:
            return self._specs[type_name]
        except (KeyError, TypeError):
            raise UnknownLayerType(str(type_name), self.suggest(str(type_name))) from None

    def __contains__(self, type_name: object) -> bool:
        return isinstance(type_name, str) and type_name in self._specs

    def __iter__(self) -> Iterator[LayerSpec]:
        return iter(self._specs.values())

    def __len__(self) -> int:
        return len(self._specs)

    def types(self) -> list[str]:
        return list(self._specs)

    def categories(self) -> dict[str, list[LayerSpec]]:
        """Specs grouped by palette category, in registration order."""
        groups: dict[str, list[LayerSpec]] = {}
        for spec in self._specs.values():
            groups.setdefault(spec.category, []).append(spec)
        return groups

    def palette(self) -> dict[str, list[LayerSpec]]:
        """Categories offered for adding by hand: without nodes only a model import creates."""
        return {cat: kept for cat, specs in self.categories().items()
                if (kept := [s for s in specs if OPAQUE not in s.tags])}

    def suggest(self, type_name: str) -> list[str]:
        import difflib

        lowered = {t.lower(): t for t in self._specs}
        if type_name.lower() in lowered:
            return [lowered[type_name.lower()]]
        return difflib.get_close_matches(type_name, list(self._specs), n=3, cutoff=0.6)


REGISTRY = LayerRegistry()


def get_spec(type_name: str) -> LayerSpec:
    """Return the spec for ``type_name`` from the built-in registry."""
    from nnbuilder.layers import builtin  # noqa: F401  (registers the families once)

    return REGISTRY.get(type_name)


def is_pretrained(type_name: str) -> bool:
    """Whether nodes of ``type_name`` are whole pretrained networks (weights loaded from outside the file)."""
    return type_name in registry() and REGISTRY.get(type_name).pretrained


def registry() -> LayerRegistry:
    """The built-in registry with every layer family loaded."""
    from nnbuilder.layers import builtin  # noqa: F401

    return REGISTRY

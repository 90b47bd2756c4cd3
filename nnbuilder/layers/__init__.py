"""Layer specifications and the registry every other part reads."""
from nnbuilder.layers.registry import REGISTRY, LayerRegistry, UnknownLayerType, get_spec, registry
from nnbuilder.layers.spec import LayerSpec, ParamError, ParamSpec, PortSpec

__all__ = ["REGISTRY", "LayerRegistry", "LayerSpec", "ParamError", "ParamSpec", "PortSpec",
           "UnknownLayerType", "get_spec", "registry"]

"""Layer specifications and the registry every other part reads."""
from nnbuilder.layers.registry import REGISTRY, LayerRegistry, UnknownLayerType, get_spec, is_pretrained, registry
from nnbuilder.layers.spec import LayerSpec, ParamError, ParamSpec, PortSpec, Role

__all__ = ["REGISTRY", "LayerRegistry", "LayerSpec", "ParamError", "ParamSpec", "PortSpec", "Role",
           "UnknownLayerType", "get_spec", "is_pretrained", "registry"]

"""Graph → Python source → exec'd nn.Module; export writes the same source."""
from nnbuilder.compile.build import CompiledModel, compile_graph, exec_source, write_source

__all__ = ["CompiledModel", "compile_graph", "exec_source", "write_source"]

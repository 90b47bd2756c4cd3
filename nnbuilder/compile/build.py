"""Compile a graph: generate its source, exec it, and hand back the module class."""
from __future__ import annotations

import hashlib
import linecache
import os
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from nnbuilder.analysis import Analysis, analyze
from nnbuilder.compile.codegen import GeneratedCode, generate
from nnbuilder.compile.preprocessing import ModelPreprocessing
from nnbuilder.fileio import atomic_write_text
from nnbuilder.graph.document import GraphDocument


@dataclass
class CompiledModel:
    """The generated source, the analysis it came from, and the exec'd class."""

    code: GeneratedCode
    analysis: Analysis
    module_class: type[nn.Module]
    filename: str

    @property
    def source(self) -> str:
        return self.code.source

    @property
    def class_name(self) -> str:
        return self.code.class_name

    def build(self) -> nn.Module:
        """A fresh instance of the generated module (default torch initialisation)."""
        return self.module_class()


def compile_graph(doc: GraphDocument, name: str = "Model", analysis: Analysis | None = None,
                  preprocessing: ModelPreprocessing | None = None) -> CompiledModel:
    """Validate, generate and exec; raises GraphValidationError if the graph has errors.

    ``preprocessing`` adds the fitted standardisation buffers, class names and task
    (:mod:`nnbuilder.compile.preprocessing`)."""
    analysis = analysis or analyze(doc)
    code = generate(doc, analysis, name, preprocessing)
    cls, filename = exec_source(code.source, code.class_name)
    return CompiledModel(code, analysis, cls, filename)


def exec_source(source: str, class_name: str) -> tuple[type[nn.Module], str]:
    """Exec generated ``source`` and return its class; tracebacks show the generated lines."""
    digest = hashlib.sha1(source.encode()).hexdigest()[:10]
    filename = f"<nnbuilder-generated {class_name} {digest}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace: dict[str, object] = {"__name__": "nnbuilder_generated"}
    exec(compile(source, filename, "exec"), namespace)  # noqa: S102 - our own generated source
    cls = namespace[class_name]
    assert isinstance(cls, type) and issubclass(cls, torch.nn.Module)
    return cls, filename


def write_source(source: str, path: str | os.PathLike[str]) -> Path:
    """Write ``source`` atomically to ``path`` (creating its folder)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    return atomic_write_text(target, source)

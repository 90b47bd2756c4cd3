"""Validation (networkx), shape inference (meta tensors) and parameter counts."""
from nnbuilder.analysis.issues import ERROR, WARNING, GraphValidationError, Issue, IssueCode
from nnbuilder.analysis.report import Analysis, analyze

__all__ = ["ERROR", "WARNING", "Analysis", "GraphValidationError", "Issue", "IssueCode", "analyze"]

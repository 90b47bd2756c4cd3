"""Moved: the one editor factory is :mod:`nnbuilder.app.param_form` (backbone editors: ``backbone_editors``)."""
from nnbuilder.app.backbone_editors import BlocksEditor, WeightsEditor  # noqa: F401
from nnbuilder.app.param_form import (  # noqa: F401
    EDITORS,
    NAMED_EDITORS,
    BoolEditor,
    ChoiceEditor,
    FloatEditor,
    IntEditor,
    LiteralEditor,
    ParamEditor,
    TextEditor,
    TupleEditor,
    format_value,
    make_editor,
    starting_value,
)

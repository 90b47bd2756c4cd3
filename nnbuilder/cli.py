"""Command line: ``nnbuilder [PROJECT] | validate | export | train | import | help``.

Exit codes: 0 success, 1 invalid input or graph, 2 usage error.  Users never
see a raw traceback: every failure becomes a message naming what is wrong.
"""
from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # argparse and json load only for the headless commands: opening the app stays fast
    import argparse
    from collections.abc import Sequence

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2
COMMANDS = ("validate", "export", "train", "import", "help", "sweep")
PROJECT_HELP = "the project file (.nnb)"
TRAIN_OUTPUT = ("writes weights.safetensors, model.py, history.json (1-based epochs) and run.json into --out DIR, "
                "by default runs/PROJECT-YYYYmmdd-HHMMSS next to the project file")


def _parser_class() -> type[argparse.ArgumentParser]:
    import argparse

    class _Parser(argparse.ArgumentParser):
        def error(self, message: str) -> None:  # argparse exits 2 on usage errors: keep that, add a hint
            self.print_usage(sys.stderr)
            self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")

    return _Parser


def build_parser() -> argparse.ArgumentParser:
    _Parser = _parser_class()  # a class: argparse loads only here
    from nnbuilder import __version__

    parser = _Parser(prog="nnbuilder", description="Build, validate, export and train neural networks.",
                     epilog="nnbuilder [PROJECT.nnb] opens the editor (the seed example without a project). "
                            "Exit codes: 0 success, 1 invalid input or graph, 2 usage error.")
    parser.add_argument("--version", action="version", version=f"nnbuilder {__version__}",
                        help="print the version and exit")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser, metavar="COMMAND")
    v = sub.add_parser("validate", help="check a project: shapes, parameter counts, errors")
    v.add_argument("project", help=PROJECT_HELP)
    v.add_argument("--json", action="store_true", help="machine-readable output")
    e = sub.add_parser("export", help="write the model as a standalone PyTorch file or ONNX (by extension)")
    e.add_argument("project", help=PROJECT_HELP + "; or a run folder, for its trained weights")
    what = e.add_mutually_exclusive_group(required=True)
    what.add_argument("-o", "--output", metavar="FILE.py|FILE.onnx", help="the file to write (format by extension)")
    what.add_argument("--script", metavar="DIR", help="model.py + train.py in plain PyTorch (python or torchrun)")
    what.add_argument("--notebook", metavar="FILE.ipynb", help="the training script as a Jupyter notebook")
    e.add_argument("--epochs", type=int, default=None, help="with --script/--notebook: the script's epochs")
    t = sub.add_parser("train", help="train headless with a progress bar", description=f"Train headless; {TRAIN_OUTPUT}.")
    t.add_argument("project", help=PROJECT_HELP)
    t.add_argument("--epochs", type=int, default=None, help="number of epochs (default: the project's training.epochs)")
    t.add_argument("--device", default=None, help="auto, cpu, cuda, cuda:N or mps")
    t.add_argument("--out", default=None, metavar="DIR",
                   help="output folder (default: runs/PROJECT-YYYYmmdd-HHMMSS next to the project file)")
    t.add_argument("--tensorboard", default=None, metavar="DIR", help="also log metrics to TensorBoard in DIR")
    t.add_argument("--resume", default=None, metavar="RUN_DIR", help="continue an interrupted run to its planned end")
    t.add_argument("--checkpoint-every", type=float, default=None, metavar="SECONDS",
                   help="checkpoint at least this often (default 60; 0: every epoch); bounds what a kill loses")
    s = sub.add_parser("sweep", help="train a grid of settings; write summary.csv and curves.png")
    s.add_argument("project", help=PROJECT_HELP)
    s.add_argument("--set", dest="sets", action="append", required=True, metavar="KEY=V1,V2",
                   help="a setting and its values, e.g. training.optimizer.lr=0.001,0.01,0.1 (repeat for a grid)")
    s.add_argument("--out", required=True, metavar="DIR", help="folder for one run folder per setting, summary.csv and curves.png")
    i = sub.add_parser("import", help="turn a torchvision model or your nn.Module class into an editable project",
                       epilog="FILE.py:Class executes FILE.py (its top-level code runs): import only files you trust.")
    i.add_argument("model", help="a torchvision classification model (resnet18), timm:NAME or FILE.py:ClassName")
    i.add_argument("-o", "--output", required=True, metavar="FILE.nnb", help="the project file to write")
    i.add_argument("--shape", type=int, nargs="+", action="append", metavar="DIM",
                   help="per-sample input shape without batch (repeat for several inputs); required for files")
    i.add_argument("--arg", action="append", metavar="KEY=VALUE", help="constructor argument (repeatable)")
    i.add_argument("--dtype", default="float32", choices=("float32", "float64", "int64"), help="input dtype")
    h = sub.add_parser("help", help="show this help, or one command's help")
    h.add_argument("topic", nargs="?", metavar="COMMAND", help="the command to explain")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if not args_list:
        return _open_app(None)
    first = args_list[0]
    if first not in COMMANDS and not first.startswith("-") and (first.endswith(".nnb") or os.path.exists(first)):
        return _open_app(first)  # only a project path opens the editor; anything else is a command
    parser = build_parser()
    commands = _commands(parser)
    if not first.startswith("-") and first not in commands:
        return _usage_error(parser, f"unknown command or missing file {first!r}", first, commands)
    args = parser.parse_args(args_list)
    if args.command is None:
        return _open_app(None)
    if args.command == "help":
        return cmd_help(parser, args.topic)
    from nnbuilder.terminal import protect_terminal

    protect_terminal(json_output=bool(getattr(args, "json", False)))  # names from files cannot drive the terminal
    if args.command == "import" and (refusal := _guards().import_preflight(args.model, args.output)) is not None:
        print(refusal, file=sys.stderr)
        return EXIT_INVALID
    try:
        if args.command == "validate":
            return cmd_validate(args.project, args.json)
        if args.command == "export":
            return cmd_export(args.project, args.output, args.script, args.notebook, args.epochs)
        if args.command == "import":
            from nnbuilder.cli_import import cmd_import as run_import

            return run_import(args.model, args.output, args.shape, args.arg, args.dtype)
        if args.command == "sweep":
            from nnbuilder.cli_sweep import cmd_sweep

            return cmd_sweep(args.project, args.sets, args.out)
        return cmd_train(args.project, args.epochs, args.device, args.out, args.resume, args.checkpoint_every,
                         tensorboard=args.tensorboard)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except OSError as exc:  # a file the command reads or writes: name it and the reason
        print(f"nnbuilder: {exc.filename or 'a file'}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_INVALID
    except Exception as exc:  # noqa: BLE001 - last line of defence: a message, never a traceback
        print(f"nnbuilder: internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_INVALID


def _weights_issues(project, analysis) -> list:
    if not any(n.type == "Backbone" and n.params.get("weights") for n in project.graph.nodes):
        return []
    from nnbuilder.backbones.weights_check import weights_issues

    return weights_issues(project, analysis)


def _guards():
    from nnbuilder import cli_guards

    return cli_guards


def _commands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    """The subcommand parsers by name."""
    import argparse

    return next(a.choices for a in parser._actions if isinstance(a, argparse._SubParsersAction))


def _usage_error(parser: argparse.ArgumentParser, message: str, word: str, commands: dict) -> int:
    """Exit code 2 with the usage line and a 'did you mean' when a command is close to ``word``."""
    import difflib

    close = difflib.get_close_matches(word, list(commands), n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else f"; commands: {', '.join(commands)}"
    parser.print_usage(sys.stderr)
    print(f"nnbuilder: error: {message}{hint}", file=sys.stderr)
    return EXIT_USAGE


def cmd_help(parser: argparse.ArgumentParser, topic: str | None) -> int:
    """``nnbuilder help [COMMAND]``: the overall help or one command's."""
    commands = _commands(parser)
    if topic is None:
        parser.print_help()
        return EXIT_OK
    if topic not in commands:
        return _usage_error(parser, f"no command {topic!r}", topic, commands)
    commands[topic].print_help()
    return EXIT_OK


def _load(path: str):
    from nnbuilder.graph.project import ProjectFileError, load_project

    try:
        return load_project(path)
    except ProjectFileError as exc:
        print(str(exc), file=sys.stderr)
        return None


def cmd_validate(path: str, as_json: bool) -> int:
    import json

    project = _load(path)  # before torch loads: a bad file is reported in a fraction of a second
    if project is None:
        if as_json:
            print(json.dumps({"valid": False, "errors": [{"node": None, "message": "cannot open the project"}],
                              "nodes": {}, "total_params": 0, "trainable_params": 0}))
        return EXIT_INVALID
    from nnbuilder.analysis import analyze
    from nnbuilder.analysis.warnings import wiring_warnings

    analysis = analyze(project.graph)
    analysis.issues.extend(w.issue for w in wiring_warnings(project.graph, project.training))
    notes = preprocessing_notes(project)
    analysis.issues.extend(_weights_issues(project, analysis))
    if as_json:
        report = analysis.to_json()
        if notes:
            report["notes"] = notes
        print(json.dumps(report, indent=2))
    else:
        print(format_summary(project.name, analysis))
        for note in notes:
            print(f"note: {note}")
    return EXIT_OK if analysis.valid else EXIT_INVALID


def preprocessing_notes(project) -> list[str]:
    """Backbones whose pretrained weights expect other input preprocessing than the data section gives."""
    from nnbuilder.layers import is_pretrained

    if not any(is_pretrained(n.type) and n.params.get("weights") for n in project.graph.nodes):
        return []
    from nnbuilder.backbones.preprocess_offer import preprocess_offers

    try:
        return [offer.message() for offer in preprocess_offers(project) if offer.needs_attention]
    except Exception as exc:  # noqa: BLE001 - informational only: say why it could not be checked
        return [f"could not compare the backbone weights' preprocessing with the data section: {exc}"]


def format_summary(name: str, analysis) -> str:
    """A plain-text table of nodes, shapes and parameter counts, then problems."""
    rows = [("node", "type", "output shape", "params", "trainable")]
    for node_id in analysis.order:
        info = analysis.nodes.get(node_id)
        spec = analysis.structure.specs.get(node_id)
        if spec is None:
            continue
        shape = "?" if info is None or info.output_shape is None else str(list(info.output_shape))
        rows.append((node_id, spec.type, shape, f"{info.param_count:,}" if info else "-",
                     f"{info.trainable:,}" if info else "-"))
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    lines = [f"project: {name}"]
    for r in rows:
        lines.append("  ".join(c.ljust(w) if i < 3 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))))
    frozen = analysis.total_params - analysis.trainable_params
    lines.append(f"total params: {analysis.total_params:,}  trainable: {analysis.trainable_params:,}  "
                 f"frozen: {frozen:,}  MACs/sample: {analysis.total_macs:,}")
    for issue in analysis.issues:
        lines.append(f"{issue.severity}: {issue.text()}")
    lines.append("valid" if analysis.valid else f"invalid: {len(analysis.errors)} error(s)")
    return "\n".join(lines)


def cmd_export(path: str, output: str | None, script: str | None = None, notebook: str | None = None,
               epochs: int | None = None) -> int:
    from nnbuilder.export.cli_export import run_export

    return run_export(path, output, script, notebook, epochs)


def cmd_train(path: str, epochs: int | None, device: str | None, out: str | None, resume: str | None = None,
              checkpoint_every: float | None = None, tensorboard: str | None = None) -> int:
    """Headless training (see :mod:`nnbuilder.cli_train`)."""
    from nnbuilder.cli_train import cmd_train as train

    return train(path, epochs, device, out, resume, checkpoint_every, tensorboard)


def _open_app(path: str | None) -> int:
    from nnbuilder.display import display_problem

    problem = display_problem()
    if problem:
        print(f"nnbuilder: {problem}", file=sys.stderr)
        return EXIT_INVALID
    try:
        from nnbuilder.app.main import run_app
    except ImportError as exc:
        print(f"nnbuilder: cannot start the desktop app ({exc}). On minimal Linux install Qt's X11 libraries "
              "(see README); headless commands: nnbuilder validate | export | train", file=sys.stderr)
        return EXIT_INVALID
    return run_app(path, exit_process=True)  # no interpreter teardown after the window closes


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

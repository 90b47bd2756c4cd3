"""``nnbuilder export PROJECT|RUN_DIR -o FILE.py|FILE.onnx``, ``--script DIR``, ``--notebook FILE.ipynb``.

The format follows the extension.  ``FILE.py`` is the module the project trains, preprocessing
included (its weights from ``nnbuilder train`` load strictly into it); ``FILE.onnx`` goes through
torch's exporter and is checked with onnxruntime.  A run folder exports its trained weights.
"""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2
FORMATS = (".py", ".onnx")


def run_export(path: str, output: str | None, script: str | None = None, notebook: str | None = None,
               epochs: int | None = None) -> int:
    """Dispatch on what was asked (the output's extension); messages on stderr, exit codes as the CLI's."""
    if script is not None or notebook is not None:
        return _script(path, script, notebook, epochs)
    assert output is not None
    from nnbuilder.cli_guards import overwrites_project

    if (refusal := overwrites_project(output, path)) is not None:
        print(f"nnbuilder export: {refusal}", file=sys.stderr)
        return EXIT_INVALID
    suffix = Path(output).suffix.lower()
    if suffix not in FORMATS:
        print(f"nnbuilder export: cannot tell the format of {output!r} from its extension; "
              "use FILE.py (PyTorch) or FILE.onnx", file=sys.stderr)
        return EXIT_USAGE
    if suffix == ".onnx":
        return _onnx(path, output)
    return _python(path, output)


def _onnx(path: str, output: str) -> int:
    from nnbuilder.export.onnx_export import OnnxExportError, export_onnx
    from nnbuilder.graph.project import ProjectFileError
    from nnbuilder.pipeline import PipelineError
    from nnbuilder.recipe import RunFolderError

    try:
        report = export_onnx(path, output)
    except PipelineError as exc:
        print(f"{path}: cannot export:", file=sys.stderr)
        for where, message in exc.problems:
            print(f"  {where}: {message}", file=sys.stderr)
        return EXIT_INVALID
    except (OnnxExportError, RunFolderError, ProjectFileError) as exc:
        print(f"{path}: {exc}", file=sys.stderr)
        return EXIT_INVALID
    except OSError as exc:
        print(f"cannot write {output}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_INVALID
    weights = "trained weights of the run" if report.source == "run" else "untrained weights (export a run folder for trained ones)"
    print(f"wrote {output} ({weights}; inputs {', '.join(report.inputs)}, raw units, dynamic batch); "
          f"onnxruntime agrees with torch to {report.max_difference:.1g}")
    return EXIT_OK


def _python(path: str, output: str) -> int:
    from nnbuilder.graph.project import ProjectFileError, load_project

    if not Path(path).is_dir():
        try:
            project = load_project(path)  # before torch loads: a bad file is refused at once
        except ProjectFileError as exc:
            print(str(exc), file=sys.stderr)
            return EXIT_INVALID
    from nnbuilder.analysis import GraphValidationError
    from nnbuilder.compile import compile_graph, write_source
    from nnbuilder.pipeline import PipelineError, prepare
    from nnbuilder.recipe import RunFolderError, read_run

    if Path(path).is_dir():
        try:
            read_run(path)
            shutil.copyfile(Path(path) / "model.py", output)
        except RunFolderError as exc:
            print(str(exc), file=sys.stderr)
            return EXIT_INVALID
        except OSError as exc:
            print(f"cannot write {output}: {exc.strerror or exc}", file=sys.stderr)
            return EXIT_INVALID
        print(f"wrote {output} (the run's model.py; its weights.safetensors loads strictly into it)")
        return EXIT_OK
    try:
        compiled = compile_graph(project.graph, project.name)
    except GraphValidationError as exc:
        print(f"{path}: {exc}", file=sys.stderr)
        return EXIT_INVALID
    if project.data is not None:
        try:  # the module training builds: standardisation buffers, task and class names
            compiled = prepare(project).compiled
        except PipelineError as exc:
            where = "; ".join(f"{w}: {m}" for w, m in exc.problems[:2])
            print(f"note: exported without the data section's preprocessing ({where})", file=sys.stderr)
    try:
        write_source(compiled.source, output)
    except OSError as exc:
        print(f"cannot write {output}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_INVALID
    print(f"wrote {output} (class {compiled.class_name}, {compiled.analysis.total_params:,} parameters)")
    return EXIT_OK


def _script(path: str, script: str | None, notebook: str | None, epochs: int | None) -> int:
    from nnbuilder.export.script import ScriptExportError, export_script
    from nnbuilder.graph.project import ProjectFileError
    from nnbuilder.pipeline import PipelineError

    if epochs is not None and epochs < 1:
        print("nnbuilder export: --epochs must be at least 1", file=sys.stderr)
        return EXIT_USAGE
    try:
        if notebook is not None:
            from nnbuilder.export.notebook import export_notebook

            done = export_notebook(path, notebook, epochs=epochs)
        else:
            done = export_script(path, script, epochs=epochs)
    except PipelineError as exc:
        print(f"{path}: cannot export:", file=sys.stderr)
        for where, message in exc.problems:
            print(f"  {where}: {message}", file=sys.stderr)
        return EXIT_INVALID
    except (ScriptExportError, ProjectFileError) as exc:
        print(f"{path}: {exc}", file=sys.stderr)
        return EXIT_INVALID
    except OSError as exc:
        print(f"cannot write {script or notebook}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_INVALID
    for note in done.notes:
        print(f"note: the script does not reproduce {note}", file=sys.stderr)
    names = ", ".join(p.name for p in done.files)
    run = f"python {done.folder / 'train.py'}" if notebook is None else f"jupyter notebook {notebook}"
    print(f"wrote {names} in {done.folder}; run: {run}")
    return EXIT_OK

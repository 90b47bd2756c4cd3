"""Expected conditions get their own message and exit code 1, never "internal error" or a traceback."""
from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from nnbuilder.cli import main

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "nnbuilder" / "examples"


def edited(tmp_path: Path, example: str, change) -> Path:
    data = json.loads((EXAMPLES / f"{example}.nnb").read_text())
    change(data)
    out = tmp_path / f"{example}.nnb"
    out.write_text(json.dumps(data))
    return out


def node(data: dict, node_id: str) -> dict:
    return next(n for n in data["graph"]["nodes"] if n["id"] == node_id)


def run(capsys, *args: str) -> tuple[int, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    text = captured.out + captured.err
    assert "internal error" not in text and "Traceback" not in text
    return code, text


def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "p.nnb"
    os.mkfifo(fifo)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "nnbuilder", "validate", str(fifo)], capture_output=True, text=True,
                          timeout=120, env=env, check=False)  # a read would block forever: the timeout fails it
    assert done.returncode == 1 and "not a regular file" in done.stderr and "Traceback" not in done.stderr


def test_dev_zero_is_refused(capsys) -> None:
    code, text = run(capsys, "validate", "/dev/zero")
    assert code == 1 and "not a regular file" in text


def test_export_never_overwrites_a_project(tmp_path: Path, capsys) -> None:
    project = tmp_path / "p.nnb"
    project.write_bytes((EXAMPLES / "spirals_mlp.nnb").read_bytes())
    before = project.read_bytes()
    code, text = run(capsys, "export", str(project), "-o", str(project))
    assert code == 1 and "project file" in text and project.read_bytes() == before
    other = tmp_path / "other.nnb"
    other.write_bytes(before)
    assert run(capsys, "export", str(project), "-o", str(tmp_path / "q.nnb"))[0] == 1
    assert run(capsys, "export", str(project), "-o", str(other))[0] == 1 and other.read_bytes() == before


def test_import_onto_a_missing_folder_is_named(tmp_path: Path, capsys) -> None:
    code, text = run(capsys, "import", "resnet18", "-o", str(tmp_path / "missing" / "r.nnb"))
    assert code == 1 and f"the folder {tmp_path / 'missing'} does not exist" in text


def test_import_of_a_file_says_it_runs_the_file(tmp_path: Path, capsys) -> None:
    source = tmp_path / "net.py"
    source.write_text("import torch\n\nclass Net(torch.nn.Module):\n    def __init__(self):\n        super().__init__()\n"
                      "        self.fc = torch.nn.Linear(4, 2)\n\n    def forward(self, x):\n        return self.fc(x)\n")
    code, text = run(capsys, "import", f"{source}:Net", "-o", str(tmp_path / "n.nnb"), "--shape", "4")
    assert code == 0 and f"executing {source}" in text
    from nnbuilder.cli import build_parser

    assert "executes FILE.py" in build_parser()._subparsers._group_actions[0].choices["import"].format_help()
    assert "executes `FILE.py`" in (ROOT / "README.md").read_text()


def test_an_embedding_too_small_for_the_data_is_named_before_training(tmp_path: Path, capsys) -> None:
    project = edited(tmp_path, "collaborative_filtering", lambda d: node(d, "user_emb")["params"].update(
        num_embeddings=10))
    code, text = run(capsys, "train", str(project), "--epochs", "1", "--out", str(tmp_path / "run"))
    assert code == 1 and "Embedding 'user_emb' has num_embeddings 10" in text and "set num_embeddings" in text
    assert "training 1 epochs" not in text


def test_a_one_hot_too_small_for_the_data_is_named_before_training(tmp_path: Path, capsys) -> None:
    project = edited(tmp_path, "tabular_onehot", lambda d: node(d, "city_onehot")["params"].update(num_classes=5))
    code, text = run(capsys, "train", str(project), "--epochs", "1", "--out", str(tmp_path / "run"))
    assert code == 1 and "OneHot 'city_onehot' has num_classes 5" in text and "codes up to 7" in text
    assert "set num_classes to at least 8" in text and "training 1 epochs" not in text


@pytest.mark.parametrize("weights", ["missing", "hostile"])
def test_backbone_weights_problems_at_train_time_are_named(tmp_path: Path, capsys, weights: str) -> None:
    class Hostile:
        def __reduce__(self):
            return (print, ("code ran",))

    file = tmp_path / "w.pth"
    if weights == "hostile":
        file.write_bytes(pickle.dumps({"x": Hostile()}))
    project = edited(tmp_path, "transfer_learning", lambda d: node(d, "backbone")["params"].update(weights=str(file)))
    code, text = run(capsys, "train", str(project), "--epochs", "1", "--out", str(tmp_path / "run"))
    assert code == 1 and "backbone" in text and "code ran" not in text
    assert ("does not exist" if weights == "missing" else "refused") in text


def test_a_text_cell_in_a_numeric_csv_target_is_named(tmp_path: Path, capsys) -> None:
    rows = ["a,b,y"] + [f"{i},{i % 7},{i * 0.5}" for i in range(60)]
    rows[31] = "30,2,oops"
    (tmp_path / "t.csv").write_text("\n".join(rows) + "\n")
    project = edited(tmp_path, "seed_regression", lambda d: d.update(
        data={"dataset": "csv", "params": {"path": str(tmp_path / "t.csv"), "target": "y"}}))
    code, text = run(capsys, "train", str(project), "--epochs", "1", "--out", str(tmp_path / "run"))
    assert code == 1 and "line 32, target column 'y' holds the text 'oops'" in text


@pytest.mark.parametrize("weights", ["missing", "hostile", "foreign", "shipped"])
def test_validate_opens_backbone_weights_headers(tmp_path: Path, capsys, weights: str) -> None:
    import torch
    from safetensors.torch import save_file

    class Hostile:
        def __reduce__(self):
            return (print, ("code ran",))

    value = "resource:shapes28_shufflenet_v2_x0_5.safetensors"
    if weights == "hostile":
        value = str(tmp_path / "w.pth")
        Path(value).write_bytes(pickle.dumps({"x": Hostile()}))
    elif weights == "foreign":
        value = str(tmp_path / "w.safetensors")
        save_file({"conv1.0.weight": torch.zeros(3, 3, 3, 3)}, value)
    elif weights == "missing":
        value = str(tmp_path / "none.safetensors")
    project = edited(tmp_path, "transfer_learning", lambda d: node(d, "backbone")["params"].update(weights=value))
    code, text = run(capsys, "validate", str(project))
    expected = {"missing": "does not exist", "hostile": "refused, not run", "foreign": "do not fit this model",
                "shipped": "valid"}[weights]
    assert expected in text and "code ran" not in text
    assert code == (0 if weights == "shipped" else 1)
    if weights != "shipped":
        assert "error: backbone:" in text


def test_data_settings_that_need_more_memory_than_the_machine_are_refused(tmp_path: Path, capsys) -> None:
    from nnbuilder.data.loading import physical_memory

    side = int((physical_memory() / (2_000 * 4)) ** 0.5) + 64  # 2,000 images of side² floats: more than the RAM
    project = edited(tmp_path, "transfer_learning", lambda d: d["data"].update(
        params={"n_samples": 2_000}, preprocess={"resize": side}))
    code, text = run(capsys, "train", str(project), "--epochs", "1", "--out", str(tmp_path / "run"))
    assert code == 1 and "GiB, more than this machine's memory" in text and "data.params.n_samples" in text

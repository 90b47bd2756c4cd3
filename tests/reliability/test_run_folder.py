"""Write before you train, never discard after; run folders and checkpoints appear whole, with umask permissions."""
from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from reliability_helpers import spirals_project

from nnbuilder.cli import main
from nnbuilder.fileio import atomic_dir, atomic_write_text, clean_stale_temps
from nnbuilder.runfolder import write_run_folder


def small_project(tmp_path: Path) -> Path:
    return spirals_project(tmp_path / "p.nnb", epochs=1, samples=200, batch=32)


def test_an_unwritable_output_folder_is_refused_before_training(tmp_path: Path, capsys) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert main(["train", str(small_project(tmp_path)), "--out", str(blocker / "run")]) == 1
    err = capsys.readouterr().err
    assert f"cannot write the run folder {blocker / 'run'}" in err and "--out" in err
    assert "training 1 epochs" not in err and "internal error" not in err


def test_a_failed_final_write_goes_to_a_named_fallback(tmp_path: Path, capsys, monkeypatch) -> None:
    import safetensors.torch
    from safetensors import SafetensorError

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    real = safetensors.torch.save_file
    out = tmp_path / "run"

    def full_disk(tensors, filename, metadata=None):
        if Path(filename).parent.name.startswith(".run.tmp-"):  # only the run folder's disk is full
            raise SafetensorError("Error while serializing: IoError(No space left on device)")
        return real(tensors, filename, metadata=metadata)

    monkeypatch.setattr(safetensors.torch, "save_file", full_disk)
    assert main(["train", str(small_project(tmp_path)), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    fallback = Path(err.split("saved to ")[1].split(" instead")[0])
    assert f"cannot write the run folder {out}" in err and "No space left" in err and "internal error" not in err
    assert fallback.is_relative_to(tmp_path / "cache" / "nnbuilder")
    assert (fallback / "weights.safetensors").is_file() and json.loads((fallback / "run.json").read_text())
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".run")]


def test_files_and_folders_get_the_umask_permissions(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        atomic_write_text(tmp_path / "a.json", "{}")

        def fill(folder: Path) -> None:
            fd = os.open(folder / "private", os.O_WRONLY | os.O_CREAT, 0o600)  # as safetensors does
            os.close(fd)
        write_run_folder(tmp_path / "run", fill)
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "a.json").stat().st_mode) == 0o644
    assert stat.S_IMODE((tmp_path / "run" / "private").stat().st_mode) == 0o644
    assert stat.S_IMODE((tmp_path / "run").stat().st_mode) == 0o755


def test_a_folder_is_replaced_whole_and_keeps_what_the_new_version_does_not_write(tmp_path: Path) -> None:
    target = tmp_path / "run"
    write_run_folder(target, lambda f: ((f / "a").write_text("1"), (f / "checkpoint").mkdir(),
                                        (f / "checkpoint" / "c").write_text("ckpt")))
    write_run_folder(target, lambda f: (f / "a").write_text("2"))
    assert (target / "a").read_text() == "2" and (target / "checkpoint" / "c").read_text() == "ckpt"
    with pytest.raises(RuntimeError):
        write_run_folder(target, lambda f: ((f / "a").write_text("3"), (_ for _ in ()).throw(RuntimeError())))
    assert (target / "a").read_text() == "2" and sorted(p.name for p in tmp_path.iterdir()) == ["run"]


def test_stale_temps_of_dead_writers_are_removed_and_an_old_version_put_back(tmp_path: Path) -> None:
    dead = 2**22 + 12345  # above pid_max's default: no such process
    (tmp_path / f".run.tmp-{dead}-abcd1234").mkdir()
    (tmp_path / f".x.tmp-{os.getpid()}-abcd1234").mkdir()  # a live writer's: kept
    (tmp_path / f".ck.tmp-{dead}-abcd1234.old").mkdir()  # killed between the two renames of a swap
    clean_stale_temps(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [f".x.tmp-{os.getpid()}-abcd1234", "ck"]
    with atomic_dir(tmp_path / "run") as folder:
        (folder / "f").write_text("x")
    assert (tmp_path / "run" / "f").read_text() == "x"

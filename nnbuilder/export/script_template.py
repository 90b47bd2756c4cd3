"""The body of an exported train.py: plain PyTorch, no nnbuilder (filled in by nnbuilder.export.script)."""

TRAIN_PY = '''\
"""Train {project!r} with plain PyTorch: the run nnbuilder does, without nnbuilder.

    python train.py [--epochs N] [--device cpu|cuda] [--out DIR] [--data PATH]
    torchrun --nproc_per_node=2 train.py      # DistributedDataParallel (gloo on CPU, nccl on CUDA)

{data_note}
Files beside this one: model.py (the module, preprocessing included), {data_file}initial.safetensors
(the weights nnbuilder starts from: seeded initialisation or pretrained layers, and the preprocessing
statistics fitted on the training split; training.init, if any, is redrawn by init_weights below).
Single-process runs reproduce nnbuilder's history on CPU. Only rank 0 writes DIR.
{unsupported}"""
import argparse
{data_imports}import json
import math
import os
import random
import sys
from pathlib import Path

import numpy as np
import torch
import torch.distributed as dist
from safetensors.torch import load_file, save_file
from torch import nn
from torch.utils.data import DataLoader
from torch.utils.data.distributed import DistributedSampler
{torch_imports}
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from model import {cls} as Model  # noqa: E402 - model.py lies beside this file

TASK = {task!r}  # "classification" (class indices), "binary" (0/1 with one logit) or "regression"
SEED = {seed!r}
EPOCHS = {epochs!r}
BATCH_SIZE = {batch_size!r}
LR = {lr!r}
LR_MULTIPLIERS = {multipliers!r}  # module path -> factor on LR (discriminative learning rates)
NOT_REPRODUCED = {not_reproduced!r}  # what nnbuilder's run did that this script does not (see the top)
EARLY_STOPPING = {early!r}  # None, or patience / monitor / min_delta / restore_best
{extra_constants}{augment_constants}{init_constants}MODES = {{"loss": min, "accuracy": max, "mae": min, "r2": max}}

{data_code}


def make_loss():
    return {loss_code}


def make_optimizer(groups):
    return {optimizer_code}


def make_scheduler(optimizer, steps_per_epoch, epochs):
    """(scheduler, when it steps: "step" after each batch, "epoch", "plateau" or None)."""
{scheduler_body}
{extra_functions}{augment_functions}{init_functions}

def seed_everything(seed):
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def param_groups(model):
    """Trainable parameters grouped by the longest LR_MULTIPLIERS key owning them (the rest: LR).{later_doc}"""
    keyed = {{key: [] for key in LR_MULTIPLIERS}}
    rest = []
{later_code}    for name, p in model.named_parameters():
        if not p.requires_grad{later_test}:
            continue
        module = name.rpartition(".")[0]
        keys = [k for k in LR_MULTIPLIERS if module == k or module.startswith(k + ".")]
        (keyed[max(keys, key=len)] if keys else rest).append(p)
    groups = [{{"params": rest, "lr": LR, "multiplier": 1.0}}] if rest else []
    return groups + [{{"params": ps, "lr": LR * LR_MULTIPLIERS[k], "multiplier": LR_MULTIPLIERS[k]}}
                     for k, ps in keyed.items() if ps]


def align(output, target):
    """The target as the loss wants it: class indices, or values shaped like the output."""
    if TASK == "classification":
        return target.reshape(-1).long()
    return target.float().reshape(output.shape)


class Metrics:
    """Sums over batches (summed across processes under torchrun): loss, then accuracy or MAE and R²."""

    def __init__(self):
        self.sums = torch.zeros(7, dtype=torch.float64)  # loss·n, n, elements, then correct | Σ|e|, Σe², Σy, Σy²

    def add(self, loss, output, target):
        n = output.shape[0]
        self.sums[0] += loss * n
        self.sums[1] += n
        self.sums[2] += target.numel()
        out, y = output.detach().cpu(), target.detach().cpu()
        if TASK == "classification":
            self.sums[3] += (out.argmax(dim=1) == y).sum().item()
        elif TASK == "binary":
            self.sums[3] += ((out > 0) == (y > 0.5)).sum().item()
        else:
            err = out.reshape(-1).double() - y.reshape(-1).double()
            yd = y.reshape(-1).double()
            self.sums[3:7] += torch.stack([err.abs().sum(), err.dot(err), yd.sum(), yd.dot(yd)])

    def result(self, prefix="", distributed=False):
        sums = self.sums.clone()
        if distributed:
            dist.all_reduce(sums)
        loss, n, elements = sums[0].item(), sums[1].item(), max(1.0, sums[2].item())
        metrics = {{prefix + "loss": loss / n}}
        if TASK in ("classification", "binary"):
            metrics[prefix + "accuracy"] = sums[3].item() / elements
        else:
            abs_err, sq_err, y_sum, y_sq = sums[3:7].tolist()
            total = y_sq - y_sum * y_sum / elements
            metrics[prefix + "mae"] = abs_err / elements
            metrics[prefix + "r2"] = 1.0 - sq_err / total if total > 0 else float("nan")
        return metrics


def size(split):
    return len(split["targets"]) if isinstance(split, dict) else len(split)


def batches(split, device, shuffle=False, generator=None, sampler=None):
    """(inputs, targets) mini-batches on ``device``, in nnbuilder's order.

    In-memory splits ({{"inputs", "targets"}} tensors) are cut along one permutation per epoch;
    a Dataset (image files) goes through a DataLoader drawing its shuffle from the same generator.
    Under torchrun the DistributedSampler gives each process its share.
    """
    if isinstance(split, dict):
        if sampler is not None:
            order = torch.tensor(list(sampler))
        else:
            order = torch.randperm(size(split), generator=generator) if shuffle else torch.arange(size(split))
        for index in order.split(BATCH_SIZE):
            yield (tuple(t.index_select(0, index).to(device) for t in split["inputs"]),
                   split["targets"].index_select(0, index).to(device))
        return
    loader = DataLoader(split, batch_size=BATCH_SIZE, shuffle=shuffle and sampler is None, sampler=sampler,
                        generator=generator if shuffle and sampler is None else None)
    for x, y in loader:
        yield (x.to(device),), y.to(device)


def evaluate(model, loss_fn, split, device, prefix):
    model.eval()
    metrics = Metrics()
    with torch.no_grad():
        for inputs, targets in batches(split, device):
            output = model(*inputs)
            target = align(output, targets)
            metrics.add(loss_fn(output, target).item(), output, target)
    model.train()
    return metrics.result(prefix)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--out", default=str(HERE / "run"), help="where weights and history go (rank 0)")
    parser.add_argument("--data", default=None, help=f"the data to read instead of DATA ({{DATA}})")
    args = parser.parse_args()

    distributed = int(os.environ.get("WORLD_SIZE", "1")) > 1
    if int(os.environ.get("RANK", "0")) == 0:
        for note in NOT_REPRODUCED:
            print(f"note: this script does not reproduce {{note}}", file=sys.stderr)
    rank, world = 0, 1
    if distributed:
        dist.init_process_group("nccl" if args.device.startswith("cuda") else "gloo")
        rank, world = dist.get_rank(), dist.get_world_size()
        if args.device.startswith("cuda"):
            args.device = f"cuda:{{int(os.environ.get('LOCAL_RANK', 0))}}"
    device = torch.device(args.device)

    data = Path(args.data or DATA).expanduser()
    splits = load_splits(data if data.is_absolute() or args.data else HERE / data)
    train, val, test = splits["train"], splits["val"], splits["test"]
    model = Model()
    model.load_state_dict(load_file(HERE / "initial.safetensors"), strict=True)
    seed_everything(SEED)
{init_call}    model.to(device)
    net = nn.parallel.DistributedDataParallel(model) if distributed else model
    loss_fn = make_loss().to(device)
    if TASK == "regression" and hasattr(model, "target_mean"):  # the loss works on the standardised scale
        base, mean, std = loss_fn, model.target_mean, model.target_std
        loss_fn = lambda output, target: base((output - mean) / std, (target - mean) / std)  # noqa: E731
    optimizer = make_optimizer(param_groups(model))
    generator = torch.Generator().manual_seed(SEED)
    sampler = None
    if distributed:
        sampler = DistributedSampler(range(size(train)), num_replicas=world, rank=rank, shuffle=True, seed=SEED)
    steps_per_epoch = math.ceil((len(sampler) if sampler is not None else size(train)) / BATCH_SIZE)
    scheduler, interval = make_scheduler(optimizer, steps_per_epoch, args.epochs)
{augment_setup}
    history, best, best_epoch, bad_epochs, best_state = [], None, None, 0, None
    stop_reason = "completed"
    for epoch in range(args.epochs):
{unfreeze_code}        net.train()
        if sampler is not None:
            sampler.set_epoch(epoch)
        metrics = Metrics()
        for inputs, targets in batches(train, device, shuffle=True, generator=generator, sampler=sampler):
{augment_call}            optimizer.zero_grad(set_to_none=True)
            output = net(*inputs)
            target = align(output, targets)
            loss = loss_fn(output, target)
{penalty_code}            value = {objective}.item()
            if not math.isfinite(value):
                raise SystemExit(f"loss became {{value}} at epoch {{epoch + 1}}; lower the learning rate")
            metrics.add({logged}, output, target)
            {objective}.backward()
{clip_code}            optimizer.step()
            if interval == "step":
                scheduler.step()
        row = {{"epoch": epoch + 1, **metrics.result("", distributed)}}  # epochs numbered from 1
        if val is not None:
            row.update(evaluate(model, loss_fn, val, device, "val_"))
        row["lr"] = [float(group["lr"]) for group in optimizer.param_groups]
        if interval == "epoch":
            scheduler.step()
        elif interval == "plateau":
            scheduler.step(row[{plateau_monitor!r}])
        history.append(row)
        if rank == 0:
            print(", ".join(f"{{k}} {{v:.4g}}" if isinstance(v, float) else f"{{k}} {{v}}" for k, v in row.items()
                            if k != "lr"), flush=True)
        if EARLY_STOPPING is not None:
            monitor = EARLY_STOPPING["monitor"]
            value, better = row.get(monitor), MODES[monitor.removeprefix("val_")]
            delta = EARLY_STOPPING["min_delta"]
            improved = value is not None and not math.isnan(value) and (
                best is None or (value < best - delta if better is min else value > best + delta))
            if improved:
                best, best_epoch, bad_epochs = value, epoch + 1, 0
                if EARLY_STOPPING["restore_best"]:
                    best_state = {{k: v.detach().clone() for k, v in model.state_dict().items()}}
            else:
                bad_epochs += 1
            if bad_epochs > EARLY_STOPPING["patience"]:
                stop_reason = "early_stopping"
                break
    if best_state is not None:
        model.load_state_dict(best_state)
    if distributed:  # BatchNorm statistics: each process's own since DDP's last broadcast; keep rank 0's
        for buffer in model.buffers():
            dist.broadcast(buffer, 0)
    test_metrics = evaluate(model, loss_fn, test, device, "test_") if test is not None else {{}}
    state = {{k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}}
    checksum = sum(float(v.double().sum()) for v in state.values())
    checksums = [checksum]
    if distributed:  # every rank's final weights, to show DDP kept them identical
        checksums = [None] * world
        dist.all_gather_object(checksums, checksum)
    if rank == 0:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        save_file(state, str(out / "weights.safetensors"))
        (out / "model.py").write_text((HERE / "model.py").read_text())
        (out / "history.json").write_text(json.dumps({{"history": history, "test_metrics": test_metrics,
                                                       "stop_reason": stop_reason, "best_epoch": best_epoch,
                                                       "world_size": world, "rank_checksums": checksums}},
                                                      indent=2))
        print(f"{{stop_reason}}: wrote {{out}}; test {{test_metrics}}")
    if distributed:
        dist.destroy_process_group()


if __name__ == "__main__":
    main()
'''

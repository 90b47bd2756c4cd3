"""Training engine vs the loop a student writes by hand, on the same work in the same process.

Run: ``.venv/bin/python benchmarks/bench_training.py [--repeats N]``. Prints wall times (best of N)
and the ratios engine / hand-written (goal ≤ 0.75, equal final loss within noise) and
probes on / off (goal ≤ 1.05).
"""
from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from nnbuilder.data.bundle import DataBundle, InputInfo, TensorSplit
from nnbuilder.training import Trainer, TrainingConfig


class SimpleMLP(nn.Module):
    """The course's seed model: 2 → 20 → 10 → 1 with ReLU."""

    def __init__(self) -> None:
        super().__init__()
        self.fc1, self.fc2, self.fc3 = nn.Linear(2, 20), nn.Linear(20, 10), nn.Linear(10, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc3(torch.relu(self.fc2(torch.relu(self.fc1(x)))))


class WideMLP(nn.Module):
    """784 → 1000 → 10 (785,000 + 10,010 parameters)."""

    def __init__(self) -> None:
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(784, 1000), nn.Linear(1000, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(torch.relu(self.fc1(x)))


def seed_data() -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(0)
    x = torch.rand(100, 2, generator=g) * 2 - 1
    y = 2 * x[:, :1] ** 3 + 0.5 * x[:, 1:] ** 2 + 0.05 * torch.randn(100, 1, generator=g)
    return x, y


def wide_data() -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(0)
    return torch.randn(20_000, 784, generator=g), torch.randint(0, 10, (20_000,), generator=g)


def hand_written(make_model: Callable[[], nn.Module], x: torch.Tensor, y: torch.Tensor, loss_fn: nn.Module,
                 epochs: int, batch_size: int) -> tuple[float, nn.Module]:
    """Exactly the loop from the course notebook."""
    torch.manual_seed(0)
    model = make_model()
    loader = DataLoader(TensorDataset(x, y), batch_size=batch_size, shuffle=True)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    start = time.perf_counter()
    for _epoch in range(epochs):
        for xb, yb in loader:
            optimizer.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            optimizer.step()
    return time.perf_counter() - start, model


def engine(make_model: Callable[[], nn.Module], x: torch.Tensor, y: torch.Tensor, loss: str, epochs: int,
           batch_size: int, probe_every: int | None = None) -> tuple[float, nn.Module]:
    torch.manual_seed(0)
    model = make_model()
    task = "regression" if loss == "MSELoss" else "classification"
    bundle = DataBundle("bench", task, [InputInfo(tuple(x.shape[1:]))], TensorSplit((x,), y), None, None)
    config = TrainingConfig.from_dict({"loss": loss, "optimizer": {"type": "SGD", "lr": 0.01}, "epochs": epochs,
                                       "batch_size": batch_size, "device": "cpu", "seed": 0})
    trainer = Trainer(model, bundle, config, probe_every=probe_every)
    trainer.setup()  # device, data transfer and optimizer construction are not part of the loop time
    start = time.perf_counter()
    trainer.run()
    return time.perf_counter() - start, model


def final_loss(model: nn.Module, x: torch.Tensor, y: torch.Tensor, loss_fn: nn.Module) -> float:
    with torch.no_grad():
        return loss_fn(model(x), y).item()


def race(repeats: int, *runs: Callable[[], tuple[float, nn.Module]]) -> list[tuple[float, nn.Module]]:
    """Best time of each run over ``repeats`` rounds, the runs interleaved so load spikes hit all of them."""
    results: list[list[tuple[float, nn.Module]]] = [[] for _ in runs]
    for _ in range(repeats):
        for run, bucket in zip(runs, results):
            bucket.append(run())
    return [min(bucket, key=lambda r: r[0]) for bucket in results]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--wide-epochs", type=int, default=1)
    parser.add_argument("--threads", type=int, default=1, help="torch intra-op threads (both loops)")
    args = parser.parse_args()
    mse, ce = nn.MSELoss(), nn.CrossEntropyLoss()
    torch.set_num_threads(args.threads)
    engine(SimpleMLP, *seed_data(), "MSELoss", 1, 32)  # warm-up: lazy torch imports, allocator

    x, y = seed_data()
    (t_hand, m_hand), (t_eng, m_eng) = race(args.repeats, lambda: hand_written(SimpleMLP, x, y, mse, 100, 32),
                                            lambda: engine(SimpleMLP, x, y, "MSELoss", 100, 32))
    print(f"seed MLP 2-20-10-1, 100 samples, 100 epochs: hand-written {t_hand:.3f} s, engine {t_eng:.3f} s, "
          f"ratio {t_eng / t_hand:.2f}; final MSE hand {final_loss(m_hand, x, y, mse):.4f} "
          f"engine {final_loss(m_eng, x, y, mse):.4f}")

    x, y = wide_data()
    e = args.wide_epochs
    (t_hand, m_hand), (t_eng, m_eng), (t_probe, _) = race(
        args.repeats, lambda: hand_written(WideMLP, x, y, ce, e, 32),
        lambda: engine(WideMLP, x, y, "CrossEntropyLoss", e, 32),
        lambda: engine(WideMLP, x, y, "CrossEntropyLoss", e, 32, probe_every=50))
    print(f"784-1000-10 MLP, 20,000 samples, {e} epoch(s), batch 32: hand-written {t_hand:.3f} s, engine "
          f"{t_eng:.3f} s, ratio {t_eng / t_hand:.2f}; final CE hand {final_loss(m_hand, x, y, ce):.4f} "
          f"engine {final_loss(m_eng, x, y, ce):.4f}")
    print(f"probes every 50 steps on 784-1000-10: off {t_eng:.3f} s, on {t_probe:.3f} s, "
          f"ratio {t_probe / t_eng:.3f}")


if __name__ == "__main__":
    main()

"""Training curves from metrics.json: loss, the workload's metric and the learning rate per epoch.

Example:
    >>> rows = [{"epoch": 0, "train_loss": 2.0, "val_loss": 1.9, "lr": 0.1, "top1": 0.3, "time_s": 10.0},
    ...         {"epoch": 1, "train_loss": 1.0, "val_loss": 1.1, "lr": 0.1, "top1": 0.8, "time_s": 10.0}]
    >>> epochs = [Epoch.model_validate(r) for r in rows]
    >>> time_to_target(epochs, "top1", 0.75, "max")
    {'metric': 'top1', 'target': 0.75, 'reached': True, 'epoch': 1, 'train_seconds': 20.0}
    >>> m = Metrics.model_validate({"status": "running", "run_id": "r", "workload": "w", "world_size": 1,
    ...     "metric": {"name": "top1"}, "epochs": rows})
    >>> import tempfile; draw(m, tempfile.mkdtemp() + "/curves.png")
    True
"""

from __future__ import annotations

import os
from typing import Any

from envkit.evaluate.plots import pyplot, save
from envkit.records.metrics import Epoch, Metrics

FILENAME = "curves.png"


def time_to_target(epochs: list[Epoch], metric: str, target: float, mode: str = "max") -> dict[str, Any]:
    """The first epoch whose `metric` reaches `target`, and the training seconds summed up to it
    (evaluation not counted); reached False when no epoch does."""
    seconds = 0.0
    for e in epochs:
        seconds += float(e.time_s or 0.0)
        value = e.value(metric)
        if value is not None and (value >= target if mode == "max" else value <= target):
            return {"metric": metric, "target": target, "reached": True, "epoch": e.epoch,
                    "train_seconds": round(seconds, 3)}
    return {"metric": metric, "target": target, "reached": False, "epoch": None, "train_seconds": None}


def draw(record: Metrics, path: str | os.PathLike[str]) -> bool:
    """curves.png for a metrics.json record; False (nothing written) when it has no epoch yet."""
    epochs = [e for e in record.epochs if e.train_loss is not None]
    if not epochs:
        return False
    plt = pyplot()
    spe = record.steps_per_epoch
    x = [e.epoch + (e.steps / spe if e.partial and spe else 1.0) for e in epochs]
    metric = record.metric.name or "val_loss"
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.4))
    ax = axes[0]
    ax.plot(x, [e.train_loss for e in epochs], "o-", label="train (epoch mean)")
    if any(e.value("val_loss") is not None for e in epochs):
        ax.plot(x, [e.value("val_loss") for e in epochs], "s-", label="validation")
    ax.set(xlabel="epoch", ylabel="loss", title="loss")
    if all((e.train_loss or 0) > 0 for e in epochs):
        ax.set_yscale("log")
    ax.legend(fontsize=8)
    ax = axes[1]
    keys = [metric] if metric != "val_loss" else [k for k in ("mae_q", "mae_chi_eff")
                                                   if epochs[0].value(k) is not None]
    for k in keys or [metric]:
        ax.plot(x, [e.value(k) for e in epochs], "o-", label=k)
    ax.set(xlabel="epoch", title="validation metric")
    ax.legend(fontsize=8)
    ax = axes[2]
    ax.plot(x, [e.lr for e in epochs], "o-")
    ax.set(xlabel="epoch", ylabel="learning rate", title="learning rate (at the epoch's end)")
    fig.suptitle(f"{record.run_id}: {record.workload} {record.preset or ''}, "
                 f"{record.world_size} rank(s), global batch {record.global_batch or '?'}",
                 fontsize=10, parse_math=False)
    fig.tight_layout()
    save(fig, path)
    return True

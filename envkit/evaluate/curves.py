"""Training curves from metrics.json: loss, the workload's metric and the learning rate per epoch.

Example:
    >>> epochs = [{"epoch": 0, "train_loss": 2.0, "val_loss": 1.9, "lr": 0.1, "top1": 0.3, "time_s": 10.0},
    ...           {"epoch": 1, "train_loss": 1.0, "val_loss": 1.1, "lr": 0.1, "top1": 0.8, "time_s": 10.0}]
    >>> time_to_target(epochs, "top1", 0.75, "max")
    {'metric': 'top1', 'target': 0.75, 'reached': True, 'epoch': 1, 'train_seconds': 20.0}
    >>> draw({"run_id": "r", "metric": {"name": "top1"}, "epochs": epochs}, "/tmp/envkit-curves-doctest.png")
    True
"""

from __future__ import annotations

import os
from typing import Any

from envkit.evaluate.plots import pyplot, save

FILENAME = "curves.png"


def time_to_target(epochs: list[dict[str, Any]], metric: str, target: float, mode: str = "max") -> dict[str, Any]:
    """The first epoch whose `metric` reaches `target`, and the training seconds summed up to it
    (evaluation not counted); reached False when no epoch does."""
    seconds = 0.0
    for e in epochs:
        seconds += float(e.get("time_s") or 0.0)
        value = e.get(metric)
        if value is not None and (value >= target if mode == "max" else value <= target):
            return {"metric": metric, "target": target, "reached": True, "epoch": e["epoch"],
                    "train_seconds": round(seconds, 3)}
    return {"metric": metric, "target": target, "reached": False, "epoch": None, "train_seconds": None}


def draw(record: dict[str, Any], path: str | os.PathLike[str]) -> bool:
    """curves.png for a metrics.json record; False (nothing written) when it has no epoch yet."""
    epochs = [e for e in record.get("epochs") or [] if e.get("train_loss") is not None]
    if not epochs:
        return False
    plt = pyplot()
    x = [e["epoch"] + (e["steps"] / record["steps_per_epoch"] if e.get("partial") and record.get("steps_per_epoch")
                       else 1.0) for e in epochs]
    metric = (record.get("metric") or {}).get("name") or "val_loss"
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.4))
    ax = axes[0]
    ax.plot(x, [e["train_loss"] for e in epochs], "o-", label="train (epoch mean)")
    if any(e.get("val_loss") is not None for e in epochs):
        ax.plot(x, [e.get("val_loss") for e in epochs], "s-", label="validation")
    ax.set(xlabel="epoch", ylabel="loss", title="loss")
    if all((e["train_loss"] or 0) > 0 for e in epochs):
        ax.set_yscale("log")
    ax.legend(fontsize=8)
    ax = axes[1]
    keys = [metric] if metric != "val_loss" else [k for k in ("mae_q", "mae_chi_eff") if k in epochs[0]]
    for k in keys or [metric]:
        ax.plot(x, [e.get(k) for e in epochs], "o-", label=k)
    ax.set(xlabel="epoch", title="validation metric")
    ax.legend(fontsize=8)
    ax = axes[2]
    ax.plot(x, [e["lr"] for e in epochs], "o-")
    ax.set(xlabel="epoch", ylabel="learning rate", title="learning rate (at the epoch's end)")
    fig.suptitle(f"{record.get('run_id', '')}: {record.get('workload', '')} {record.get('preset', '')}, "
                 f"{record.get('world_size', '?')} rank(s), global batch {record.get('global_batch', '?')}",
                 fontsize=10)
    fig.tight_layout()
    save(fig, path)
    return True

"""Learning-rate schedule and early stopping, one object with a state_dict for exact resumption.

lr(step) = base_lr * warm-up * step decay * plateau factor, where base_lr is already scaled by
global batch / reference batch (Goyal et al.'s linear scaling rule), warm-up is linear over
`warmup_steps`, step decay multiplies by `gamma` at each milestone (in steps), and the plateau factor
is multiplied by `plateau_factor` when the monitored value has not improved for `plateau_patience`
epochs (Keras ReduceLROnPlateau). `end_epoch` returns True when early stopping says stop.

Example:
    >>> s = Schedule(0.4, warmup_steps=4, milestones=[10], gamma=0.1)
    >>> [round(s.lr(k), 3) for k in (0, 3, 9, 10)]
    [0.1, 0.4, 0.4, 0.04]
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any


def scaled_lr(lr: float, global_batch: int, ref_batch: int | None) -> float:
    """lr x global batch / reference batch (no scaling when ref_batch is None or 0).

    >>> scaled_lr(0.1, 512, 256)
    0.2
    """
    return lr * global_batch / ref_batch if ref_batch else lr


class Schedule:
    """Warm-up, milestones, ReduceLROnPlateau and EarlyStopping with a resumable state."""

    def __init__(self, base_lr: float, warmup_steps: int = 0, milestones: Sequence[int] = (),
                 gamma: float = 0.1, plateau_factor: float | None = None, plateau_patience: int = 3,
                 early_stop_patience: int | None = None, mode: str = "min", min_lr: float = 0.0) -> None:
        self.base_lr, self.warmup_steps = base_lr, int(warmup_steps)
        self.milestones, self.gamma = sorted(int(m) for m in milestones), gamma
        self.plateau_factor, self.plateau_patience = plateau_factor, plateau_patience
        self.early_stop_patience, self.mode, self.min_lr = early_stop_patience, mode, min_lr
        self.factor = 1.0
        self.best = math.inf if mode == "min" else -math.inf
        self.bad_epochs = 0  # since the last improvement (early stopping)
        self.plateau_bad = 0  # since the last improvement or LR cut (plateau)

    def lr(self, step: int) -> float:
        """The learning rate for optimizer step `step` (0-based)."""
        warm = min(1.0, (step + 1) / self.warmup_steps) if self.warmup_steps > 0 else 1.0
        decay = self.gamma ** sum(1 for m in self.milestones if step >= m)
        return max(self.base_lr * warm * decay * self.factor, self.min_lr)

    def end_epoch(self, value: float | None) -> bool:
        """Record the monitored value at an epoch's end; True means stop (early stopping)."""
        if value is None or not math.isfinite(value):
            return False
        better = value < self.best if self.mode == "min" else value > self.best
        if better:
            self.best, self.bad_epochs, self.plateau_bad = value, 0, 0
            return False
        self.bad_epochs += 1
        self.plateau_bad += 1
        if self.plateau_factor and self.plateau_bad >= self.plateau_patience:
            self.factor *= self.plateau_factor
            self.plateau_bad = 0
        return bool(self.early_stop_patience) and self.bad_epochs >= int(self.early_stop_patience or 0)

    def new_stage(self) -> None:
        """A fine-tuning stage starts: early stopping and the plateau start counting afresh (Keras: new
        EarlyStopping and ReduceLROnPlateau callbacks for each fit), the learning rate keeps its cuts
        (the same optimizer object is compiled again).

        >>> s = Schedule(1.0, plateau_factor=0.5, plateau_patience=1, early_stop_patience=1)
        >>> s.end_epoch(1.0), s.end_epoch(2.0), s.lr(0)
        (False, True, 0.5)
        >>> s.new_stage(); s.end_epoch(3.0), s.lr(0)
        (False, 0.5)
        """
        self.best = math.inf if self.mode == "min" else -math.inf
        self.bad_epochs = self.plateau_bad = 0

    def state_dict(self) -> dict[str, Any]:
        return {"factor": self.factor, "best": self.best, "bad_epochs": self.bad_epochs,
                "plateau_bad": self.plateau_bad}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.factor, self.best = state["factor"], state["best"]
        self.bad_epochs, self.plateau_bad = state["bad_epochs"], state["plateau_bad"]

"""Fine-tuning stages: train a model's tail first, then more of it (the AI-DES recipe's three stages).

A preset's `stages` is a list of `{epochs: N, train_from: MODULE}`: during a stage, every parameter
registered before the first parameter of MODULE is frozen (its gradient is dropped before the optimizer
step, so neither Adam's moments nor weight decay touch it) and the BatchNorm layers there run in
inference mode, as Keras does for layers with trainable=False. The optimizer state starts afresh at each
stage, as Keras' `compile` does between stages. Gradients still flow through the frozen part (DDP keeps
one set of buckets for the whole run); only the updates are held back.

Example:
    >>> import torch
    >>> m = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.BatchNorm1d(2), torch.nn.Linear(2, 1))
    >>> st = Stages([{"epochs": 1, "train_from": "2"}, {"epochs": 2, "train_from": "0"}], m)
    >>> st.total_epochs, st.index(0), st.index(2), [n for n, _ in st.frozen(0)]
    (3, 0, 1, ['0.weight', '0.bias', '1.weight', '1.bias'])
"""

from __future__ import annotations

from typing import Any

import torch


class StageError(ValueError):
    """A `stages` entry that does not fit the model (printed as one line)."""


class Stages:
    """The stages of a preset, bound to a model."""

    def __init__(self, spec: list[dict[str, Any]], model: torch.nn.Module) -> None:
        self.model = model
        names = [n for n, _ in model.named_parameters()]
        self.bounds: list[tuple[int, int]] = []  # (last epoch + 1, index of the first trained parameter)
        end = 0
        for i, stage in enumerate(spec):
            if not isinstance(stage, dict) or set(stage) - {"epochs", "train_from"} or "epochs" not in stage:
                raise StageError(f"stages[{i}]: expected {{epochs: N, train_from: MODULE}}, got {stage!r}")
            prefix = str(stage.get("train_from") or "")
            first = next((k for k, n in enumerate(names) if not prefix or n == prefix
                          or n.startswith(prefix + ".")), None)
            if first is None:
                raise StageError(f"stages[{i}]: train_from {prefix!r} names no module with parameters")
            end += int(stage["epochs"])
            self.bounds.append((end, first))
        self.total_epochs = end
        self.current = -1

    def index(self, epoch: int) -> int:
        """The stage of `epoch` (the last stage after the total)."""
        for i, (end, _) in enumerate(self.bounds):
            if epoch < end:
                return i
        return len(self.bounds) - 1

    def frozen(self, stage: int) -> list[tuple[str, torch.nn.Parameter]]:
        """(name, parameter) frozen in `stage`."""
        return list(self.model.named_parameters())[:self.bounds[stage][1]]

    def enter(self, epoch: int, optimizer: Any) -> bool:
        """Switch to the stage of `epoch` when it changed (fresh optimizer state); True when it did."""
        stage = self.index(epoch)
        if stage == self.current:
            return False
        self.current = stage
        optimizer.state.clear()
        self._frozen_ids = {id(p) for _, p in self.frozen(stage)}
        self.set_modes()
        return True

    def resume(self, epoch: int) -> None:
        """Continue inside the stage of `epoch` with the optimizer state a checkpoint restored."""
        self.current = self.index(epoch)
        self._frozen_ids = {id(p) for _, p in self.frozen(self.current)}
        self.set_modes()

    def set_modes(self) -> None:
        """BatchNorm layers whose parameters are all frozen run in inference mode (after model.train())."""
        if self.current < 0:
            return
        for module in self.model.modules():
            if isinstance(module, torch.nn.modules.batchnorm._BatchNorm):
                params = list(module.parameters(recurse=False))
                module.train(self.model.training and not (params and all(id(p) in self._frozen_ids
                                                                           for p in params)))

    def drop_frozen_grads(self) -> None:
        """Before the optimizer step: frozen parameters get no update."""
        for _, p in self.frozen(self.current):
            p.grad = None

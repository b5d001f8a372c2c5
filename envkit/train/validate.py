"""Validation during training: the workload's metrics over the whole validation source (every sample
once, or the preset's seeded subset, the same on any rank count), summed over the ranks, scored with
rank 0's BatchNorm statistics (recomputed first with `bn_recalibrate`).

Example:
    >>> # evaluate(state)  ->  {'val_loss': 2.31, 'mae': 0.84}   (state: envkit.train.setup.TrainState)
"""

from __future__ import annotations

from typing import Any

import torch

from envkit.train import sources
from envkit.train.dist import Context
from envkit.train.hparams import runner_params
from envkit.train.setup import TrainState


def mean_over_ranks(ctx: Context, value: torch.Tensor) -> float:
    """The mean of a scalar tensor over the ranks, as a float (a host sync)."""
    t = value.detach().float().reshape(1).clone()
    return float(ctx.all_reduce_sum(t).item()) / ctx.world_size


def _norms(model: torch.nn.Module) -> list[torch.nn.modules.batchnorm._BatchNorm]:
    return [m for m in model.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]


def recalibrate_batchnorm(state: TrainState) -> None:
    """With `bn_recalibrate: N`, recompute BatchNorm's running statistics with the current weights
    (a plain average over N training batches of the preset's per-device `batch`, the same samples on
    any rank count: sources.calibration_batches; no gradients) before evaluating: "precise BN" (Wu and
    Johnson 2021, arXiv:2105.07576). In a short run the exponential averages lag far behind weights
    that move fast, and an eval-mode model can score at chance while it fits its training batches."""
    n = int(runner_params(state.hp).bn_recalibrate)
    norms = _norms(state.raw)
    if not n or not norms:
        return
    saved = [m.momentum for m in norms]
    for m in norms:
        m.reset_running_stats()
        m.momentum = None  # cumulative average over the batches below
    was = state.raw.training
    state.raw.train()
    with torch.no_grad(), state.amp():
        size = int(runner_params(state.hp).batch or state.batch)
        for x, _ in sources.calibration_batches(state.train_src, n, size):
            state.raw(x)
    state.raw.train(was)
    if state.stages is not None:
        state.stages.set_modes()
    for m, momentum in zip(norms, saved, strict=True):
        m.momentum = momentum


def _local_sums(state: TrainState, val_src: Any) -> tuple[dict[str, float], int]:
    """This rank's sums of the workload's metrics (and of the loss) over its validation batches, and its
    sample count."""
    raw, module = state.raw, state.wl.module
    sums: dict[str, torch.Tensor] = {}
    count = 0
    raw.eval()
    with torch.no_grad(), state.amp():
        for x, y in val_src.batches(0):
            out = raw(x)
            batch_sums = dict(module.evaluate(out, y))
            batch_sums["val_loss"] = module.loss(out, y).float() * len(y)
            for k, v in batch_sums.items():
                sums[k] = sums[k] + v.float() if k in sums else v.float()
            count += len(y)
    raw.train()
    if state.stages is not None:
        state.stages.set_modes()
    keys = sorted(sums)
    local = dict(zip(keys, torch.stack([sums[k] for k in keys]).tolist(), strict=True)) if keys else {}
    return local, count


def evaluate(state: TrainState) -> dict[str, float]:
    """The workload's metrics on the validation source (sums over ranks), plus val_loss; {} without one."""
    if state.val_src is None:
        return {}
    recalibrate_batchnorm(state)
    state.ctx.sync_buffers(state.raw)  # every rank scores with rank 0's running statistics
    total: dict[str, float] = {}
    n = 0
    for part, c in state.ctx.all_gather_object(_local_sums(state, state.val_src)):
        n += c
        for k, v in part.items():
            total[k] = total.get(k, 0.0) + v
    if n == 0:
        return {}
    out = {"val_loss": total.pop("val_loss") / n}
    out.update(state.wl.module.summarize(total, n))
    return out

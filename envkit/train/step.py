"""One optimizer step: forward and backward (in micro-batches when the preset asks), frozen stages,
mixed precision (GradScaler, also under Horovod), and the fall-back to eager when torch.compile fails.

The step never waits for the device: it returns the loss as a device tensor, and gradients are dropped
with set_to_none.

Example:
    >>> # loss = train_step(state, x, y)   # state: envkit.train.setup.TrainState; loss stays on the device
"""

from __future__ import annotations

import contextlib
from typing import Any, cast

import torch

from envkit.train.setup import TrainState, short


def backward(state: TrainState, model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Forward and backward over the batch, in `micro_batches` pieces whose gradients add up to the
    whole batch's (each piece's mean loss weighted by its share); DDP reduces after the last only."""
    pieces = list(zip(x.chunk(state.micro_batches), y.chunk(state.micro_batches), strict=True))
    total = torch.zeros((), device=x.device)
    for index, (xs, ys) in enumerate(pieces):
        last = index == len(pieces) - 1
        sync = contextlib.nullcontext() if last or not hasattr(model, "no_sync") else cast(Any, model).no_sync()
        with sync:
            with state.amp():
                loss = state.wl.module.loss(model(xs), ys) * (xs.shape[0] / x.shape[0])
            _scaled(state, loss).backward()
        total = total + loss.detach().float()
    return total


def _scaled(state: TrainState, loss: torch.Tensor) -> torch.Tensor:
    return loss if state.scaler is None else state.scaler.scale(loss)


def _optimizer_step(state: TrainState) -> None:
    """opt.step, through the GradScaler under fp16; Horovod reduces before the scaler unscales."""
    scaler = state.scaler
    if scaler is None:
        state.opt.step()
        return
    if state.ctx.kind == "horovod":
        hvd_opt: Any = state.opt  # horovod's DistributedOptimizer
        hvd_opt.synchronize()
        with hvd_opt.skip_synchronize():
            scaler.step(state.opt)
    else:
        scaler.step(state.opt)
    scaler.update()


def step_with(state: TrainState, model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """One optimizer step on the batch (x, y) through `model`; the loss, detached, on the device."""
    with state.ctx.collective(f"all_reduce of gradients (DDP backward, step {state.step + 1})"):
        if state.micro_batches > 1:
            loss = backward(state, model, x, y)
        else:
            with state.amp():
                loss = state.wl.module.loss(model(x), y)
            _scaled(state, loss).backward()
    if state.stages is not None:
        state.stages.drop_frozen_grads()
    _optimizer_step(state)
    zero_grad(state)
    return loss.detach()


def zero_grad(state: TrainState) -> None:
    """Drop the gradients (Horovod's zero_grad takes no arguments; torch 2 drops them by default)."""
    if state.ctx.kind == "horovod":
        state.opt.zero_grad()
    else:
        state.opt.zero_grad(set_to_none=True)


def train_step(state: TrainState, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """One step through the compiled model while it works; on the first failure, eager from then on."""
    if state.compiled and state.forward_model is not state.model and not state.compile_ok:
        try:
            loss = step_with(state, state.forward_model, x, y)
            state.compile_ok = True
            return loss
        except Exception as exc:  # noqa: BLE001
            state.log.message(f"warning: torch.compile failed ({short(exc)}); running eager")
            zero_grad(state)
            state.forward_model, state.compiled = state.model, False
    return step_with(state, state.forward_model, x, y)

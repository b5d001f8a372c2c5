"""The one training loop every workload shares, as a command: data, precision, DDP/Horovod, checkpoints,
metrics. The parts live in small modules, in the order a run uses them:

- envkit.train.setup: device, model (and --weights), data, optimizer, schedule, resume (TrainState);
- envkit.train.step and envkit.train.validate: one optimizer step; validation over every rank;
- envkit.train.loop: epochs, log points and throughput intervals, validation per epoch, checkpoints;
- envkit.train.record: metrics.json, the test split at the end, model_final.pt, the summary lines.

Example:
    >>> # python -m envkit.train aigw --preset smoke --steps 20 --dist ddp   (under torchrun/mpirun/srun)
    >>> # summary = run(parse_args(["aigw", "--steps", "2", "--results", "/tmp/r", "--run-id", "d"]))
    >>> # summary["workload"], summary["world_size"]  ->  ('aigw', 1)
    >>> main(["aigw", "--set", "optimizer=lion"], err=print)
    error: ... optimizer: Input should be 'sgd', 'adam' or 'adamw' (got 'lion')
    2
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from envkit.train import checkpoint, sources, weights
from envkit.train import dist as distmod
from envkit.train import workload as wlmod
from envkit.train.config import RunConfig, parse_args
from envkit.train.hparams import Hparams
from envkit.train.loop import Loop
from envkit.train.setup import RunError, TrainState
from envkit.train.stages import StageError

__all__ = ["USER_ERRORS", "RunError", "main", "run"]

USER_ERRORS = (wlmod.WorkloadError, sources.SourceError, distmod.DistError, weights.WeightsError, StageError,
               checkpoint.CheckpointError)


def _fit(cfg: RunConfig, wl: wlmod.Workload, hp: Hparams, ctx: distmod.Context) -> dict[str, Any]:
    """Set up and run; the state (and DDP's wrapper) is gone when this returns, before the shutdown."""
    return Loop(TrainState(cfg, wl, hp, ctx)).run()


def run(cfg: RunConfig) -> dict[str, Any]:
    """Train as `cfg` says; returns the summary dict (also in results/<run-id>/metrics.json)."""
    wl = wlmod.load(cfg.workload)
    hp = wl.preset(cfg.preset, cfg.overrides)
    if cfg.weights and not Path(cfg.weights).is_file():
        raise RunError(f"--weights {cfg.weights}: no such file")
    ctx = distmod.setup(cfg.dist, cfg.device)
    ok = False
    try:
        summary = _fit(cfg, wl, hp, ctx)
        ok = True
        return summary
    finally:
        if ok:
            ctx.shutdown()


def main(argv: list[str] | None = None, err: Callable[[str], None] | None = None) -> int:
    """Entry point of `python -m envkit.train`; user errors print one line and return 2."""
    cfg = parse_args(argv)
    say = err or (lambda s: print(s, file=sys.stderr, flush=True))
    try:
        run(cfg)
    except (*USER_ERRORS, RunError) as exc:
        say(f"error: {' '.join(str(exc).split())}")
        return 2
    return 0

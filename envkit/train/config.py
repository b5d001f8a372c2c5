"""Command line of the training runner: `python -m envkit.train WORKLOAD [options]`.

Example:
    >>> cfg = parse_args(["aigw", "--preset", "smoke", "--steps", "20", "--set", "lr=0.001"])
    >>> cfg.workload, cfg.steps, cfg.overrides
    ('aigw', 20, {'lr': 0.001})
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass, field
from typing import Any


@dataclass
class RunConfig:
    """Everything a run needs besides the workload's preset."""

    workload: str
    preset: str = "smoke"
    steps: int | None = None
    epochs: int | None = None
    batch: int | None = None
    dist: str = "none"
    precision: str = "fp32"
    channels_last: bool = False
    compile: bool = False
    data: str | None = None
    weights: str | None = None
    checkpoint_every: int = 0
    resume: bool = False
    results: str = "results"
    run_id: str | None = None
    seed: int = 0
    site: str = "local"
    engine: str = "none"
    manifest_hash: str = ""
    device: str = "auto"
    workers: int | None = None
    log_every: int | None = None
    overrides: dict[str, Any] = field(default_factory=dict)


def _override(text: str) -> tuple[str, Any]:
    import yaml

    if "=" not in text:
        raise argparse.ArgumentTypeError(f"--set wants KEY=VALUE, got {text!r}")
    key, value = text.split("=", 1)
    return key.strip(), yaml.safe_load(value)


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a number >= 1, got {value}")
    return value


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors (`error: ...`, exit status 2)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"error: {' '.join(message.split())} (see --help)\n")


def parser() -> argparse.ArgumentParser:
    """The runner's argument parser."""
    env = os.environ.get
    p = _Parser(prog="python -m envkit.train",
                                description="Train a bundled workload (resnet50, aigw, aides) or a workload "
                                            "folder on CPU or GPUs, alone or with DDP/Horovod.")
    p.add_argument("workload", help="workload name (aigw) or folder (workloads/aigw)")
    p.add_argument("--preset", default="smoke", help="hyperparameter preset: smoke or paper")
    p.add_argument("--steps", type=_positive, help="optimizer steps in total (overrides --epochs)")
    p.add_argument("--epochs", type=_positive, help="epochs in total")
    p.add_argument("--batch", type=_positive, help="batch per device (default: the preset's)")
    p.add_argument("--dist", choices=("none", "ddp", "horovod"), default="none")
    p.add_argument("--precision", choices=("fp32", "bf16", "fp16"), default="fp32")
    p.add_argument("--channels-last", action="store_true", help="NHWC memory format for image models")
    p.add_argument("--compile", action="store_true", help="torch.compile (eager with a warning on failure)")
    p.add_argument("--data", help="train.h5 folder, .h5 file or ImageFolder tree (default: synthetic)")
    p.add_argument("--weights", help="initial weights from a local file (state_dict)")
    p.add_argument("--checkpoint-every", type=int, default=0, metavar="N", help="checkpoint every N steps")
    p.add_argument("--resume", action="store_true", help="continue from results/RUN_ID/checkpoint.pt")
    p.add_argument("--results", default=env("ENVKIT_RESULTS", "results"), help="results folder")
    p.add_argument("--run-id", help="name of the run's folder (default: WORKLOAD-PRESET-TIME)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--site", default=env("ENVKIT_SITE", "local"))
    p.add_argument("--engine", default=env("ENVKIT_ENGINE", "none"))
    p.add_argument("--manifest-hash", default=env("ENVKIT_MANIFEST_HASH", ""))
    p.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    p.add_argument("--workers", type=int, help="DataLoader worker processes per rank")
    p.add_argument("--log-every", type=_positive, help="steps between progress lines and loss reads")
    p.add_argument("--set", dest="overrides", action="append", type=_override, default=[],
                   metavar="KEY=VALUE", help="override a preset hyperparameter (repeatable)")
    return p


def parse_args(argv: list[str] | None = None) -> RunConfig:
    """Parse the runner's arguments into a RunConfig."""
    ns = vars(parser().parse_args(argv))
    ns["overrides"] = dict(ns["overrides"])
    return RunConfig(**ns)

"""The runner's hyperparameters as a typed, strict model: a misspelt preset key or `--set` is an error.

A preset mixes two kinds of keys: the runner's (optimizer, schedule, batch, data pools, evaluation),
checked here with pydantic (types and ranges; unknown keys refused), and the workload's own model keys,
which its workload.yaml lists under `model_keys` (for AI-GW `seq_len`, `keep`, ...). A key in neither is
refused with the file, the preset and the keys that are allowed.

`check` returns `Hparams`: the preset as written (a read-only mapping; workload modules read their model
keys from it and metrics.json records it) with the runner's keys typed, defaults filled in, as attributes
of `.runner` (`RunnerParams`, the one place a runner default lives).

Example:
    >>> hp = check({"lr": 0.1, "batch": 8, "seq_len": 64}, model_keys=["seq_len"], where="w.yaml preset smoke")
    >>> hp["lr"], hp.runner.lr, hp.runner.momentum, hp["seq_len"]
    (0.1, 0.1, 0.9, 64)
    >>> try:
    ...     check({"lr": 0.1, "btach": 8}, [], "w.yaml preset smoke")
    ... except WorkloadError as exc:
    ...     print(str(exc)[:61])
    w.yaml preset smoke: unknown key 'btach' (did you mean batch?
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PositiveFloat, PositiveInt, ValidationError

from envkit.train.errors import WorkloadError


class Stage(BaseModel):
    """One fine-tuning stage (envkit.train.stages)."""

    model_config = ConfigDict(extra="forbid")
    epochs: PositiveInt
    train_from: str = ""


class TargetMetric(BaseModel):
    """A metric value whose first epoch and time are reported (time to target accuracy)."""

    model_config = ConfigDict(extra="forbid")
    name: str
    value: float
    mode: Literal["max", "min"] = "max"


class RunnerParams(BaseModel):
    """Every key the runner reads from a preset (see README: presets)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    preset: str | None = None
    batch: PositiveInt | None = None
    global_batch: PositiveInt | None = None
    ref_batch: PositiveInt | None = None
    scale_lr: Literal["workers"] | bool = True  # global batch / ref_batch; "workers": x ranks (DL_DES)
    optimizer: Literal["sgd", "adam", "adamw"] = "sgd"
    lr: float = Field(0.01, ge=0)
    momentum: float = Field(0.9, ge=0)
    weight_decay: float = Field(0.0, ge=0)
    nesterov: bool = False
    betas: tuple[float, float] = (0.9, 0.999)
    eps: PositiveFloat = 1e-8
    steps: PositiveInt | None = None
    epochs: PositiveInt | None = None
    warmup_steps: int | None = Field(None, ge=0)
    warmup_epochs: float = Field(0.0, ge=0)
    milestones: list[float] = []
    gamma: float = Field(0.1, gt=0)
    plateau_factor: float | None = Field(None, gt=0, lt=1)
    plateau_patience: int = Field(3, ge=0)
    min_lr: float = Field(0.0, ge=0)
    early_stop_patience: PositiveInt | None = None
    monitor: str | None = None
    stages: list[Stage] | None = None
    micro_batches: PositiveInt = 1
    compile_mode: str | None = None
    log_every: PositiveInt | None = None
    warmup_iters: int | None = Field(None, ge=0)
    synthetic_pool: PositiveInt = 256
    epoch_samples: PositiveInt | None = None
    val_samples: PositiveInt = 64
    test_samples: PositiveInt | None = None
    eval_batches: PositiveInt | None = None
    loader_workers: int = Field(2, ge=0)
    read_block: PositiveInt = 16
    test_at_end: bool = True
    bn_recalibrate: int = Field(0, ge=0)
    target_metric: TargetMetric | None = None


RUNNER_KEYS = frozenset(RunnerParams.model_fields)
DEFAULT_BATCH = 32   # per device, where neither the preset, --batch nor global_batch says


class Hparams(Mapping[str, Any]):
    """A checked preset: the keys as written (read-only), and `runner`, the runner's keys typed with their
    defaults.

    Example:
        >>> hp = Hparams({"preset": "smoke", "epochs": 2})
        >>> hp.runner.epochs, hp.runner.optimizer, dict(hp.replace(epochs=3))
        (2, 'sgd', {'preset': 'smoke', 'epochs': 3})
    """

    __slots__ = ("_raw", "runner")

    def __init__(self, raw: Mapping[str, Any], runner: RunnerParams | None = None) -> None:
        self._raw = dict(raw)
        self.runner = runner if runner is not None else RunnerParams.model_validate(_runner_part(self._raw))

    def __getitem__(self, key: str) -> Any:
        return self._raw[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._raw)

    def __len__(self) -> int:
        return len(self._raw)

    def __repr__(self) -> str:
        return f"Hparams({self._raw!r})"

    def replace(self, **changes: Any) -> Hparams:
        """A copy with `changes` applied to the keys as written (and checked again)."""
        return Hparams({**self._raw, **changes})


def _runner_part(hp: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in hp.items() if k in RUNNER_KEYS and v is not None}


def runner_params(hp: Mapping[str, Any]) -> RunnerParams:
    """The runner's keys of `hp` with their defaults: a checked preset's own, else read without checks (the
    hyperparameters a metrics.json recorded, as an evaluation reads them back).

    >>> runner_params({"batch": 8}).batch, runner_params({}).val_samples
    (8, 64)
    """
    if isinstance(hp, Hparams):
        return hp.runner
    return RunnerParams.model_construct(**_runner_part(hp))


def check(hp: dict[str, Any], model_keys: list[str], where: str) -> Hparams:
    """`hp` as Hparams when every key is known and well typed; WorkloadError (one line) otherwise."""
    allowed = sorted(RUNNER_KEYS | set(model_keys))
    for key in hp:
        if key not in RUNNER_KEYS and key not in model_keys:
            near = difflib.get_close_matches(key, allowed, n=1)
            hint = f"did you mean {near[0]}?; " if near else ""
            raise WorkloadError(f"{where}: unknown key {key!r} ({hint}runner keys: see envkit.train.hparams; "
                                f"model keys: {', '.join(model_keys) or 'none'})")
    try:
        runner = RunnerParams.model_validate(_runner_part(hp))
    except ValidationError as exc:
        err = exc.errors()[0]
        key = ".".join(str(p) for p in err["loc"])
        raise WorkloadError(f"{where}: {key}: {err['msg']} (got {err.get('input')!r})") from None
    return Hparams(hp, runner)

"""One run on one rank, set up: device backends, model (and `--weights`), data, optimizer, schedule,
precision, micro-batches, the DDP/Horovod wrappers, and the checkpoint it resumes from and writes.

The order of the steps is part of the result: the initial weights come from `--seed` on every rank,
then the data sources draw from the RNG, then each rank reseeds its own stream (dropout differs per
rank), so a run and its resume see the same numbers.

Example:
    >>> # state = TrainState(parse_args(["aigw", "--steps", "2"]), wl, hp, dist.setup("none", "cpu"))
    >>> # state.run_id, state.batch, state.total  ->  ('aigw-smoke-20261129-101500', 8, 2)
    >>> batch_per_device(None, {"global_batch": 128}, 64)
    2
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, cast

import torch

from envkit.train import checkpoint, sources, weights
from envkit.train import dist as distmod
from envkit.train import workload as wlmod
from envkit.train.config import RunConfig
from envkit.train.hparams import DEFAULT_BATCH, Hparams, runner_params
from envkit.train.progress import Progress
from envkit.train.schedule import Schedule, scaled_lr
from envkit.train.stages import Stages

DTYPES = {"bf16": torch.bfloat16, "fp16": torch.float16}


class RunError(ValueError):
    """A run that cannot start as asked (printed as one line)."""


def configure_backends(device: torch.device, local_size: int) -> None:
    """cuDNN autotuning and TF32 on GPUs; one share of the cores per rank on CPUs."""
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
    elif "OMP_NUM_THREADS" not in os.environ:
        torch.set_num_threads(max(1, (os.cpu_count() or 1) // max(1, local_size)))


def make_optimizer(model: torch.nn.Module, hp: Mapping[str, Any], lr: float,
                   device: torch.device) -> torch.optim.Optimizer:
    """SGD (momentum, weight decay, nesterov) or Adam/AdamW from the preset; fused on CUDA.

    >>> make_optimizer(torch.nn.Linear(2, 1), {"optimizer": "adam"}, 0.1, torch.device("cpu")).defaults["lr"]
    0.1
    """
    params = [p for p in model.parameters() if p.requires_grad]
    rp = runner_params(hp)
    name = str(rp.optimizer).lower()
    wd = float(rp.weight_decay)
    if name == "sgd":
        cls: Any = torch.optim.SGD
        kw: dict[str, Any] = {"momentum": float(rp.momentum), "weight_decay": wd, "nesterov": bool(rp.nesterov)}
    elif name in ("adam", "adamw"):
        cls = torch.optim.Adam if name == "adam" else torch.optim.AdamW
        kw = {"weight_decay": wd, "betas": tuple(rp.betas), "eps": float(rp.eps)}
    else:
        raise RunError(f"unknown optimizer {name!r} in the preset (sgd, adam, adamw)")
    if device.type == "cuda":
        try:
            return cls(params, lr=lr, fused=True, **kw)
        except (RuntimeError, TypeError, ValueError):
            pass
    return cls(params, lr=lr, **kw)


def batch_per_device(batch: int | None, hp: Mapping[str, Any], world_size: int) -> int:
    """--batch, else the preset's `global_batch` shared over the ranks (a published global batch, the
    same on any rank count), else its per-device `batch`.

    >>> batch_per_device(None, {"global_batch": 128}, 64), batch_per_device(None, {"batch": 8}, 4)
    (2, 8)
    """
    if batch:
        return batch
    rp = runner_params(hp)
    if rp.global_batch:
        g = int(rp.global_batch)
        if g % world_size:
            raise RunError(f"preset {rp.preset}: global_batch {g} does not divide over {world_size} "
                           "ranks; pass --batch (per device) to choose another global batch")
        return g // world_size
    return int(rp.batch or DEFAULT_BATCH)


def total_steps(cfg: RunConfig, hp: Mapping[str, Any], steps_per_epoch: int) -> int:
    """--steps, else --epochs x steps per epoch, else the preset's steps or epochs.

    >>> from envkit.train.config import parse_args
    >>> total_steps(parse_args(["aigw", "--epochs", "3"]), {}, 4), total_steps(parse_args(["aigw"]), {"steps": 7}, 4)
    (12, 7)
    """
    if cfg.steps:
        return cfg.steps
    if cfg.epochs:
        return cfg.epochs * steps_per_epoch
    rp = runner_params(hp)
    if rp.steps:
        return int(rp.steps)
    return int(rp.epochs or 1) * steps_per_epoch


def micro_batch_norm(model: torch.nn.Module, micro_batches: int, batch: int) -> int | None:
    """Samples each BatchNorm normalises over (None when the model has none), after keeping the
    running statistics' decay per optimizer step when a step runs `micro_batches` forward passes.

    Each micro-batch normalises over batch / micro_batches samples (ghost batch normalisation: not the
    whole batch's statistics, stated in metrics.json as `batchnorm_samples`) and updates the running
    statistics once; a momentum m' = 1 - (1 - m) ** (1 / k) makes k updates decay the old statistics
    as one update with m did.

    >>> bn = torch.nn.BatchNorm1d(2); micro_batch_norm(bn, 2, 64), round(bn.momentum, 4)
    (32, 0.0513)
    """
    norms = [m for m in model.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
    if not norms:
        return None
    if micro_batches > 1:
        for m in norms:
            if m.momentum is not None:
                m.momentum = 1.0 - (1.0 - m.momentum) ** (1.0 / micro_batches)
    return batch // micro_batches


def latest_run(results: Path, prefix: str) -> str | None:
    """The newest run folder under `results` named `prefix-*` that holds a checkpoint (for --resume)."""
    runs = sorted((p for p in results.glob(f"{prefix}-*") if (p / checkpoint.FILENAME).is_file()),
                  key=lambda p: (p / checkpoint.FILENAME).stat().st_mtime)
    return runs[-1].name if runs else None


def short(exc: BaseException) -> str:
    """An exception as one line of at most 200 characters.

    >>> short(ValueError("a\\n  b"))
    'a b'
    """
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:200]


def _same_global_batch(ck: dict[str, Any], path: Path, global_batch: int, world: int, batch: int) -> None:
    """RunError unless the checkpoint was written with this global batch (a step count means the same
    samples and the same schedule only then)."""
    old = ck.get("global_batch")
    if old is None or int(old) == global_batch:
        return
    hint = int(old) // world if int(old) % world == 0 else "N"
    raise RunError(f"{path}: written with a global batch of {old} ({ck.get('world_size')} ranks), now "
                   f"{global_batch} ({world} x {batch}): step {ck['step']} would mean other samples and another "
                   f"schedule; resume with --batch {hint} so the global batch is the same, or start a new run")


class TrainState:
    """Everything one rank's run holds: the model (raw and wrapped), optimizer, schedule, data sources,
    precision, step and history. Built inside a function so DDP dies before shutdown; envkit.train.loop
    runs it.

    Example:
        >>> # state = TrainState(cfg, wl, hp, ctx); state.opt, state.sched.lr(0), state.train_src.steps_per_epoch
    """

    opt: Any  # the optimizer, then (Horovod) its DistributedOptimizer

    def __init__(self, cfg: RunConfig, wl: wlmod.Workload, hp: Hparams, ctx: distmod.Context) -> None:
        self.cfg, self.wl, self.hp, self.ctx = cfg, wl, hp, ctx
        self.device = ctx.device
        self.log = Progress(0, enabled=ctx.is_root)
        configure_backends(self.device, ctx.place.local_size)
        self.batch = batch_per_device(cfg.batch, hp, ctx.world_size)
        self.global_batch = self.batch * ctx.world_size
        self.run_id = self._run_id()
        self.results_dir = Path(cfg.results) / self.run_id
        self.ckpt_path = self.results_dir / checkpoint.FILENAME
        checkpoint.seed_all(cfg.seed)  # same initial weights on every rank
        self.raw = self._model()
        self.train_src, self.val_src = sources.build(
            cfg.data, wl.module, hp, self.batch, ctx.rank, ctx.world_size, cfg.seed, self.device,
            self.channels_last, cfg.workers)
        self.spe = self.train_src.steps_per_epoch
        self.input_shape = sources.sample_shape(self.train_src)  # the real size, whatever the preset says
        self.stages = Stages(list(hp["stages"]), self.raw) if hp.runner.stages else None
        if self.stages is not None and not hp.runner.epochs:
            self.hp = hp = hp.replace(epochs=self.stages.total_epochs)
        self.total = total_steps(cfg, hp, self.spe)
        self._optimizer_and_schedule()
        self.scaler = torch.amp.GradScaler(self.device.type) if cfg.precision == "fp16" else None
        dtype = DTYPES.get(cfg.precision)
        self.amp: Callable[[], Any] = ((lambda: torch.autocast(self.device.type, dtype=dtype)) if dtype
                                       else contextlib.nullcontext)
        self.step = 0
        self.history: list[dict[str, Any]] = []
        self.loss_start: float | None = None
        self.resumed_from: int | None = None
        self.resumed_optimizer_steps: int | None = None
        ck = self._restore_or_seed()
        self._micro_batches()
        self.opt = ctx.wrap_optimizer(self.opt, self.raw, self.micro_batches)
        if ck is not None:
            self._resume_optimizer(ck)
        self.model = ctx.wrap_model(self.raw)
        self.forward_model, self.compiled, self.compile_ok = self._compiled()
        self.log_every = int(cfg.log_every or hp.runner.log_every or max(1, min(50, self.total // 10 or 1)))
        self.log = Progress(self.total, enabled=ctx.is_root, every=self.log_every)

    # ------------------------------------------------------------------ parts, in the order they are built
    def _run_id(self) -> str:
        """--run-id, else (with --resume) the newest resumable run of this workload and preset, else a new
        time-stamped id; rank 0 decides for every rank."""
        cfg, ctx = self.cfg, self.ctx
        prefix = f"{self.wl.name}-{self.hp['preset']}"
        run_id = cfg.run_id
        if ctx.is_root and not run_id:
            run_id = (latest_run(Path(cfg.results), prefix) if cfg.resume else None) \
                or f"{prefix}-{time.strftime('%Y%m%d-%H%M%S')}"
        return str(ctx.broadcast_object(run_id))

    def _model(self) -> torch.nn.Module:
        """The workload's model with --weights loaded, on the device, channels-last when asked and possible."""
        cfg = self.cfg
        raw = self.wl.module.build_model(self.hp)
        if cfg.weights:
            reinit = weights.load_into(raw, weights.read(cfg.weights), getattr(self.wl.module, "HEAD", ()),
                                       f"--weights {cfg.weights}")
            if reinit:
                self.log.message(f"--weights {cfg.weights}: classifier head re-initialised ({', '.join(reinit)})")
        raw = raw.to(self.device)
        self.channels_last = cfg.channels_last
        if cfg.channels_last:
            try:
                raw = raw.to(memory_format=torch.channels_last)
            except RuntimeError:
                self.channels_last = False
                self.log.message("warning: --channels-last ignored (the model has no 4-D tensors)")
        return raw

    def _optimizer_and_schedule(self) -> None:
        """The learning rate (scaled by global batch / ref_batch unless scale_lr is false), the optimizer,
        and the schedule (warm-up, milestones, plateau, early stopping) in steps."""
        hp, spe = self.hp.runner, self.spe
        base = float(hp.lr)
        scale = hp.scale_lr
        if scale == "workers":  # DL_DES: Adam(lr=0.0001*hvd.size())
            self.lr = base * self.ctx.world_size
        else:
            self.lr = scaled_lr(base, self.global_batch, hp.ref_batch) if scale else base
        self.opt = make_optimizer(self.raw, self.hp, self.lr, self.device)
        warm = int(hp.warmup_steps) if hp.warmup_steps else round(float(hp.warmup_epochs) * spe)
        metric = self.wl.metric
        monitor = hp.monitor if hp.monitor is not None else metric
        self.sched = Schedule(self.lr, warm, [round(float(m) * spe) for m in hp.milestones],
                              float(hp.gamma), hp.plateau_factor, int(hp.plateau_patience), hp.early_stop_patience,
                              self.wl.metric_mode if monitor == metric else "min", float(hp.min_lr))
        self.monitor = str(monitor)

    def _restore_or_seed(self) -> dict[str, Any] | None:
        """Model, schedule, scaler, history and RNG from the checkpoint when resuming (the optimizer state
        is loaded after wrapping, `_resume_optimizer`); returns the checkpoint, or None for a fresh start."""
        ctx, cfg = self.ctx, self.cfg
        if not (cfg.resume and self.ckpt_path.is_file()):
            if cfg.resume:
                self.log.message(f"no checkpoint in {self.results_dir}: starting from step 0")
            checkpoint.seed_all(cfg.seed * 1000 + 7919 * ctx.rank + 1)  # independent dropout per rank
            return None
        ck = checkpoint.load(self.ckpt_path)
        _same_global_batch(ck, self.ckpt_path, self.global_batch, ctx.world_size, self.batch)
        self.raw.load_state_dict(ck["model"])
        self.sched.load_state_dict(ck["schedule"])
        if self.scaler is not None and ck.get("scaler"):
            self.scaler.load_state_dict(ck["scaler"])
        self.step = self.resumed_from = int(ck["step"])
        self.history, self.loss_start = list(ck.get("history", [])), ck.get("loss_start")
        rngs = ck.get("rng") or []
        if len(rngs) == ctx.world_size:
            checkpoint.set_rng_state(rngs[ctx.rank])
        else:
            checkpoint.seed_all(cfg.seed * 1000 + 7919 * ctx.rank + self.step + 1)
            self.log.message(f"warning: checkpoint from {len(rngs)} ranks, now {ctx.world_size}: "
                             "random streams reseeded")
        self.log.message(f"resumed {self.run_id} at step {self.step}")
        return ck

    def _micro_batches(self) -> None:
        self.micro_batches = int(self.hp.runner.micro_batches)
        if self.micro_batches < 1 or self.batch % self.micro_batches:
            raise wlmod.WorkloadError(f"micro_batches ({self.micro_batches}) must divide the batch per device "
                                      f"({self.batch})")
        self.bn_samples = micro_batch_norm(self.raw, self.micro_batches, self.batch)

    def _resume_optimizer(self, ck: dict[str, Any]) -> None:
        """The saved optimizer state, loaded into the wrapped optimizer: Horovod's DistributedOptimizer is
        a new optimizer built from param_groups, which would drop state loaded into the raw one (Adam
        moments and step counts, momentum buffers). `resumed_optimizer_steps` (metrics.json) is the
        optimizer's own step count after loading (Adam's `step`), None for optimizers without one."""
        self.opt.load_state_dict(ck["optimizer"])
        self.resumed_optimizer_steps = optimizer_steps(self.opt)
        if self.stages is not None:
            self.stages.resume(self.step // self.spe)

    def _compiled(self) -> tuple[torch.nn.Module, bool, bool]:
        """(the module the steps call, whether it is compiled, whether a compiled step has run yet)."""
        if not self.cfg.compile:
            return self.model, False, False
        try:
            mode = self.hp.runner.compile_mode  # e.g. max-autotune
            compiled = torch.compile(self.model, mode=mode or None)
            return cast(torch.nn.Module, compiled), True, False
        except Exception as exc:  # noqa: BLE001 - any compile failure means eager
            self.log.message(f"warning: torch.compile failed ({short(exc)}); running eager")
            return self.model, False, False

    # ------------------------------------------------------------------ checkpoint
    def save_checkpoint(self) -> None:
        """Every rank's RNG state, gathered; rank 0 writes the checkpoint that `_restore_or_seed` reads."""
        rngs = self.ctx.all_gather_object(checkpoint.rng_state())
        if self.ctx.is_root:
            checkpoint.save(self.ckpt_path, {
                "version": 1, "step": self.step, "workload": self.wl.name, "preset": self.hp["preset"],
                "world_size": self.ctx.world_size, "global_batch": self.global_batch,
                "model": self.raw.state_dict(),
                "optimizer": self.opt.state_dict(), "schedule": self.sched.state_dict(),
                "scaler": self.scaler.state_dict() if self.scaler is not None else None, "rng": rngs,
                "history": self.history, "loss_start": self.loss_start})


def optimizer_steps(opt: torch.optim.Optimizer | dict[str, Any]) -> int | None:
    """The largest per-parameter `step` in an optimizer's state (Adam counts its updates there; SGD keeps
    none): how far its moments have come. Accepts an optimizer or its state_dict.

    >>> p = torch.nn.Parameter(torch.ones(1)); o = torch.optim.Adam([p]); p.grad = torch.ones(1); o.step()
    >>> optimizer_steps(o), optimizer_steps(torch.optim.SGD([p], lr=0.1))
    (1, None)
    """
    state = opt["state"] if isinstance(opt, dict) else opt.state_dict()["state"]
    steps = [int(s["step"]) for s in state.values() if isinstance(s, dict) and "step" in s]
    return max(steps) if steps else None

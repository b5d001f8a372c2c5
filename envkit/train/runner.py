"""The one training loop every workload shares: data, precision, DDP/Horovod, checkpoints, metrics.

The step loop never waits for the device: the loss is accumulated on the device and read only at
log points (which is also where throughput intervals are timed, after `warmup_iters` untimed steps),
synthetic data stays on the device, file data comes through pinned memory with non-blocking copies,
gradients are dropped with set_to_none, and CUDA optimizers are fused.

Example:
    >>> # python -m envkit.train aigw --preset smoke --steps 20 --dist ddp   (under torchrun/mpirun/srun)
    >>> # summary = run(parse_args(["aigw", "--steps", "2", "--results", "/tmp/r", "--run-id", "d"]))
    >>> # summary["workload"], summary["world_size"]  ->  ('aigw', 1)
"""

from __future__ import annotations

import contextlib
import math
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

import torch

from envkit.train import checkpoint, metrics, sources, weights
from envkit.train import dist as distmod
from envkit.train import workload as wlmod
from envkit.train.config import RunConfig, parse_args
from envkit.train.progress import Progress
from envkit.train.schedule import Schedule, scaled_lr
from envkit.train.stages import StageError, Stages

USER_ERRORS = (wlmod.WorkloadError, sources.SourceError, distmod.DistError, weights.WeightsError, StageError)
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


def make_optimizer(model: torch.nn.Module, hp: dict[str, Any], lr: float,
                   device: torch.device) -> torch.optim.Optimizer:
    """SGD (momentum, weight decay, nesterov) or Adam/AdamW from the preset; fused on CUDA."""
    params = [p for p in model.parameters() if p.requires_grad]
    name = str(hp.get("optimizer", "sgd")).lower()
    wd = float(hp.get("weight_decay", 0.0))
    if name == "sgd":
        cls: Any = torch.optim.SGD
        kw: dict[str, Any] = {"momentum": float(hp.get("momentum", 0.9)), "weight_decay": wd,
                              "nesterov": bool(hp.get("nesterov", False))}
    elif name in ("adam", "adamw"):
        cls = torch.optim.Adam if name == "adam" else torch.optim.AdamW
        kw = {"weight_decay": wd, "betas": tuple(hp.get("betas", (0.9, 0.999))), "eps": float(hp.get("eps", 1e-8))}
    else:
        raise RunError(f"unknown optimizer {name!r} in the preset (sgd, adam, adamw)")
    if device.type == "cuda":
        try:
            return cls(params, lr=lr, fused=True, **kw)
        except (RuntimeError, TypeError, ValueError):
            pass
    return cls(params, lr=lr, **kw)


def batch_per_device(batch: int | None, hp: dict[str, Any], world_size: int) -> int:
    """--batch, else the preset's `global_batch` shared over the ranks (a published global batch, the
    same on any rank count), else its per-device `batch`.

    >>> batch_per_device(None, {"global_batch": 128}, 64), batch_per_device(None, {"batch": 8}, 4)
    (2, 8)
    """
    if batch:
        return batch
    if hp.get("global_batch"):
        g = int(hp["global_batch"])
        if g % world_size:
            raise RunError(f"preset {hp.get('preset')}: global_batch {g} does not divide over {world_size} "
                           "ranks; pass --batch (per device) to choose another global batch")
        return g // world_size
    return int(hp.get("batch", 32))


def total_steps(cfg: RunConfig, hp: dict[str, Any], steps_per_epoch: int) -> int:
    """--steps, else --epochs x steps per epoch, else the preset's steps or epochs."""
    if cfg.steps:
        return cfg.steps
    if cfg.epochs:
        return cfg.epochs * steps_per_epoch
    if hp.get("steps"):
        return int(hp["steps"])
    return int(hp.get("epochs", 1)) * steps_per_epoch


def _latest_run(results: Path, prefix: str) -> str | None:
    runs = sorted((p for p in results.glob(f"{prefix}-*") if (p / checkpoint.FILENAME).is_file()),
                  key=lambda p: (p / checkpoint.FILENAME).stat().st_mtime)
    return runs[-1].name if runs else None


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


class _Trainer:
    """State of one run on one rank; `fit` runs it. Built inside a function so DDP dies before shutdown."""

    def __init__(self, cfg: RunConfig, wl: wlmod.Workload, hp: dict[str, Any], ctx: distmod.Context) -> None:
        self.cfg, self.wl, self.hp, self.ctx = cfg, wl, hp, ctx
        self.device = ctx.device
        self.log = Progress(0, enabled=ctx.is_root)
        configure_backends(self.device, ctx.place.local_size)
        self.batch = batch_per_device(cfg.batch, hp, ctx.world_size)
        self.global_batch = self.batch * ctx.world_size
        prefix = f"{wl.name}-{hp['preset']}"
        run_id = cfg.run_id
        if ctx.is_root and not run_id:
            run_id = (_latest_run(Path(cfg.results), prefix) if cfg.resume else None) \
                or f"{prefix}-{time.strftime('%Y%m%d-%H%M%S')}"
        self.run_id = str(ctx.broadcast_object(run_id))
        self.results_dir = Path(cfg.results) / self.run_id
        self.ckpt_path = self.results_dir / checkpoint.FILENAME

        checkpoint.seed_all(cfg.seed)  # same initial weights on every rank
        self.raw = wl.module.build_model(hp)
        if cfg.weights:
            reinit = weights.load_into(self.raw, weights.read(cfg.weights), getattr(wl.module, "HEAD", ()),
                                       f"--weights {cfg.weights}")
            if reinit:
                self.log.message(f"--weights {cfg.weights}: classifier head re-initialised ({', '.join(reinit)})")
        self.raw = self.raw.to(self.device)
        self.channels_last = cfg.channels_last
        if cfg.channels_last:
            try:
                self.raw = self.raw.to(memory_format=torch.channels_last)
            except RuntimeError:
                self.channels_last = False
                self.log.message("warning: --channels-last ignored (the model has no 4-D tensors)")
        self.train_src, self.val_src = sources.build(
            cfg.data, wl.module, hp, self.batch, ctx.rank, ctx.world_size, cfg.seed, self.device,
            self.channels_last, cfg.workers)
        self.spe = self.train_src.steps_per_epoch
        self.stages = Stages(list(hp["stages"]), self.raw) if hp.get("stages") else None
        if self.stages is not None and not hp.get("epochs"):
            hp["epochs"] = self.stages.total_epochs
        self.total = total_steps(cfg, hp, self.spe)
        base = float(hp.get("lr", 0.01))
        self.lr = scaled_lr(base, self.global_batch, hp.get("ref_batch")) if hp.get("scale_lr", True) else base
        self.opt = make_optimizer(self.raw, hp, self.lr, self.device)
        warm = int(hp["warmup_steps"]) if hp.get("warmup_steps") else round(float(hp.get("warmup_epochs", 0))
                                                                             * self.spe)
        self.sched = Schedule(self.lr, warm, [round(float(m) * self.spe) for m in hp.get("milestones", [])],
                              float(hp.get("gamma", 0.1)), hp.get("plateau_factor"),
                              int(hp.get("plateau_patience", 3)), hp.get("early_stop_patience"),
                              wl.metric_mode if hp.get("monitor", wl.metric) == wl.metric else "min")
        self.monitor = str(hp.get("monitor", wl.metric))
        self.scaler = torch.amp.GradScaler(self.device.type) if cfg.precision == "fp16" else None
        dtype = DTYPES.get(cfg.precision)
        self.amp: Callable[[], Any] = ((lambda: torch.autocast(self.device.type, dtype=dtype)) if dtype
                                       else contextlib.nullcontext)
        self.step = 0
        self.history: list[dict[str, Any]] = []
        self.loss_start: float | None = None
        self.resumed_from: int | None = None
        ck = self._restore_or_seed()
        self.micro_batches = int(hp.get("micro_batches") or 1)
        if self.micro_batches < 1 or self.batch % self.micro_batches:
            raise wlmod.WorkloadError(f"micro_batches ({self.micro_batches}) must divide the batch per device "
                                      f"({self.batch})")
        self.bn_samples = micro_batch_norm(self.raw, self.micro_batches, self.batch)
        self.opt = ctx.wrap_optimizer(self.opt, self.raw, self.micro_batches)
        if ck is not None:
            # after wrapping: Horovod's DistributedOptimizer is a new optimizer built from param_groups,
            # which would drop state loaded into the raw one (Adam moments, momentum buffers)
            self.opt.load_state_dict(ck["optimizer"])
            if self.stages is not None:
                self.stages.resume(self.step // self.spe)
        self.model = ctx.wrap_model(self.raw)
        self.forward_model: torch.nn.Module = self.model
        self.compiled = False
        if cfg.compile:
            try:
                mode = hp.get("compile_mode")  # e.g. max-autotune
                compiled = torch.compile(self.model, **({"mode": mode} if mode else {}))
                self.forward_model = cast(torch.nn.Module, compiled)
                self.compiled = True
            except Exception as exc:  # noqa: BLE001 - any compile failure means eager
                self.log.message(f"warning: torch.compile failed ({_short(exc)}); running eager")
        every = cfg.log_every or hp.get("log_every") or max(1, min(50, self.total // 10 or 1))
        self.log_every = int(every)
        self.log = Progress(self.total, enabled=ctx.is_root, every=self.log_every)

    # ------------------------------------------------------------------ state
    def _restore_or_seed(self) -> dict[str, Any] | None:
        """Model, schedule, scaler, history and RNG from the checkpoint when resuming (the optimizer state
        is loaded by the caller, after wrapping); returns the checkpoint, or None for a fresh start."""
        ctx, cfg = self.ctx, self.cfg
        if cfg.resume and self.ckpt_path.is_file():
            ck = checkpoint.load(self.ckpt_path)
            old_global = ck.get("global_batch")
            if old_global is not None and int(old_global) != self.global_batch:
                raise RunError(
                    f"{self.ckpt_path}: written with a global batch of {old_global} ({ck.get('world_size')} "
                    f"ranks), now {self.global_batch} ({ctx.world_size} x {self.batch}): step {ck['step']} "
                    f"would mean other samples and another schedule; resume with --batch "
                    f"{int(old_global) // ctx.world_size if int(old_global) % ctx.world_size == 0 else 'N'} "
                    "so the global batch is the same, or start a new run")
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
        if cfg.resume:
            self.log.message(f"no checkpoint in {self.results_dir}: starting from step 0")
        checkpoint.seed_all(cfg.seed * 1000 + 7919 * ctx.rank + 1)  # independent dropout per rank
        return None

    def save_checkpoint(self) -> None:
        rngs = self.ctx.all_gather_object(checkpoint.rng_state())
        if self.ctx.is_root:
            checkpoint.save(self.ckpt_path, {
                "version": 1, "step": self.step, "workload": self.wl.name, "preset": self.hp["preset"],
                "world_size": self.ctx.world_size, "global_batch": self.global_batch,
                "model": self.raw.state_dict(),
                "optimizer": self.opt.state_dict(), "schedule": self.sched.state_dict(),
                "scaler": self.scaler.state_dict() if self.scaler is not None else None, "rng": rngs,
                "history": self.history, "loss_start": self.loss_start})

    # ------------------------------------------------------------------ steps
    def _backward(self, model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """Forward and backward over the batch, in `micro_batches` pieces whose gradients add up to the
        whole batch's (each piece's mean loss weighted by its share); DDP reduces after the last only."""
        pieces = list(zip(x.chunk(self.micro_batches), y.chunk(self.micro_batches), strict=True))
        total = torch.zeros((), device=x.device)
        for index, (xs, ys) in enumerate(pieces):
            last = index == len(pieces) - 1
            sync = contextlib.nullcontext() if last or not hasattr(model, "no_sync") else cast(Any, model).no_sync()
            with sync:
                with self.amp():
                    loss = self.wl.module.loss(model(xs), ys) * (xs.shape[0] / x.shape[0])
                (loss if self.scaler is None else self.scaler.scale(loss)).backward()
            total = total + loss.detach().float()
        return total

    def _step_with(self, model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        if self.micro_batches > 1:
            loss = self._backward(model, x, y)
        else:
            with self.amp():
                loss = self.wl.module.loss(model(x), y)
            (loss if self.scaler is None else self.scaler.scale(loss)).backward()
        if self.stages is not None:
            self.stages.drop_frozen_grads()
        if self.scaler is None:
            self.opt.step()
        else:
            if self.ctx.kind == "horovod":
                hvd_opt: Any = self.opt  # horovod's DistributedOptimizer
                hvd_opt.synchronize()
                with hvd_opt.skip_synchronize():
                    self.scaler.step(self.opt)
            else:
                self.scaler.step(self.opt)
            self.scaler.update()
        self._zero_grad()
        return loss.detach()

    def _zero_grad(self) -> None:
        if self.ctx.kind == "horovod":  # Horovod's zero_grad takes no arguments; torch 2 drops grads by default
            self.opt.zero_grad()
        else:
            self.opt.zero_grad(set_to_none=True)

    def train_step(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        if self.compiled and self.forward_model is not self.model and not getattr(self, "_compile_ok", False):
            try:
                loss = self._step_with(self.forward_model, x, y)
                self._compile_ok = True
                return loss
            except Exception as exc:  # noqa: BLE001
                self.log.message(f"warning: torch.compile failed ({_short(exc)}); running eager")
                self._zero_grad()
                self.forward_model, self.compiled = self.model, False
        return self._step_with(self.forward_model, x, y)

    def evaluate(self) -> dict[str, float]:
        """The workload's metrics on the validation source (sums over ranks), plus val_loss."""
        if self.val_src is None:
            return {}
        raw, module = self.raw, self.wl.module
        self.recalibrate_batchnorm()
        self.ctx.sync_buffers(raw)  # every rank scores with rank 0's running statistics
        raw.eval()
        sums: dict[str, torch.Tensor] = {}
        count = 0
        with torch.no_grad(), self.amp():  # every sample once (or the preset's seeded subset), any rank count
            for x, y in self.val_src.batches(0):
                out = raw(x)
                batch_sums = dict(module.evaluate(out, y))
                batch_sums["val_loss"] = module.loss(out, y).float() * len(y)
                for k, v in batch_sums.items():
                    sums[k] = sums[k] + v.float() if k in sums else v.float()
                count += len(y)
        raw.train()
        if self.stages is not None:
            self.stages.set_modes()
        keys = sorted(sums)
        local = dict(zip(keys, torch.stack([sums[k] for k in keys]).tolist(), strict=True)) if keys else {}
        total: dict[str, float] = {}
        n = 0
        for part, c in self.ctx.all_gather_object((local, count)):
            n += c
            for k, v in part.items():
                total[k] = total.get(k, 0.0) + v
        if n == 0:
            return {}
        out = {"val_loss": total.pop("val_loss") / n}
        out.update(module.summarize(total, n))
        return out

    def recalibrate_batchnorm(self) -> None:
        """With `bn_recalibrate: N`, recompute BatchNorm's running statistics with the current weights
        (a plain average over N training batches, no gradients) before evaluating: "precise BN" (Wu and
        Johnson 2021, arXiv:2105.07576). In a short run the exponential averages lag far behind weights
        that move fast, and an eval-mode model can score at chance while it fits its training batches."""
        n = int(self.hp.get("bn_recalibrate") or 0)
        norms = [m for m in self.raw.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
        if not n or not norms:
            return
        saved = [m.momentum for m in norms]
        for m in norms:
            m.reset_running_stats()
            m.momentum = None  # cumulative average over the batches below
        was = self.raw.training
        self.raw.train()
        with torch.no_grad(), self.amp():
            for x, _ in sources.limit(self.train_src.batches(0), n):
                self.raw(x)
        self.raw.train(was)
        if self.stages is not None:
            self.stages.set_modes()
        for m, momentum in zip(norms, saved, strict=True):
            m.momentum = momentum

    def _mean_over_ranks(self, value: torch.Tensor) -> float:
        t = value.detach().float().reshape(1).clone()
        return float(self.ctx.all_reduce_sum(t).item()) / self.ctx.world_size

    # ------------------------------------------------------------------ loop
    def fit(self) -> dict[str, Any]:
        cfg, ctx, hp = self.cfg, self.ctx, self.hp
        dev = self.device
        self.log.message(
            f"envkit.train {self.wl.name} preset={hp['preset']} device={dev} world={ctx.world_size} "
            f"dist={ctx.kind} batch={self.batch}/device lr={self.lr:.4g} steps={self.total} "
            f"({self.spe}/epoch) precision={cfg.precision} run={self.run_id}")
        warm = int(hp.get("warmup_iters", min(10, max(1, self.total // 4))))
        thr = metrics.Throughput()
        loss_acc = torch.zeros((), device=dev)
        epoch_loss = torch.zeros((), device=dev)
        n_acc = epoch_n = steps_run = 0
        first_loss: torch.Tensor | None = None
        last_loss = float("nan")
        mark: float | None = None
        mark_steps = 0
        epoch_t0 = time.perf_counter()
        epoch_timed = 0.0
        stop = False
        final_eval: dict[str, float] | None = None
        started = time.time()
        while self.step < self.total and not stop:
            epoch, pos = divmod(self.step, self.spe)
            for x, y in self.train_src.batches(epoch, pos):
                if self.stages is not None and self.stages.enter(self.step // self.spe, self.opt):
                    self.log.message(f"stage {self.stages.current + 1}/{len(self.stages.bounds)}: "
                                     f"{len(self.stages.frozen(self.stages.current))} parameter tensors frozen")
                lr = self.sched.lr(self.step)
                for group in self.opt.param_groups:
                    group["lr"] = lr
                loss = self.train_step(x, y)
                self.step += 1
                steps_run += 1
                loss_acc += loss
                epoch_loss += loss
                n_acc += 1
                epoch_n += 1
                if first_loss is None and self.loss_start is None:
                    first_loss = loss.clone()
                if mark is not None:
                    mark_steps += 1
                if steps_run == warm:
                    _sync(dev)
                    mark, mark_steps = time.perf_counter(), 0
                epoch_end = self.step % self.spe == 0
                if self.step % self.log_every == 0 or self.step == self.total or epoch_end:
                    last_loss = self._mean_over_ranks(loss_acc / n_acc)  # the one host sync
                    if first_loss is not None:
                        self.loss_start = self._mean_over_ranks(first_loss)
                        first_loss = None
                    rate = ""
                    if mark is not None and mark_steps:
                        now = time.perf_counter()
                        thr.add(mark_steps * self.batch, now - mark)
                        epoch_timed += now - mark
                        rate = f" {thr.rates[-1]:.1f} samples/s/device"
                        mark, mark_steps = now, 0
                    self.log.update(self.step, f"epoch {epoch} loss {last_loss:.4g} lr {lr:.3g}{rate}")
                    loss_acc.zero_()
                    n_acc = 0
                if epoch_end:
                    t_train = time.perf_counter() - epoch_t0
                    ev = self.evaluate()
                    final_eval = ev
                    mean = self._mean_over_ranks(epoch_loss / max(epoch_n, 1))
                    stop = self.sched.end_epoch(ev.get(self.monitor))
                    self.history.append({
                        "epoch": epoch, "steps": epoch_n, "partial": epoch_n < self.spe, "time_s": round(t_train, 3),
                        "samples_per_s_per_device": round(epoch_n * self.batch / t_train, 3),
                        "train_loss": mean, "lr": lr, **ev})
                    self.log.message(f"epoch {epoch}: loss {mean:.4g} " + " ".join(
                        f"{k} {v:.4g}" for k, v in ev.items()) + f" ({t_train:.1f} s)")
                    rec = self.record(thr, last_loss, ev, started, "running")  # collective: every rank
                    if ctx.is_root:
                        metrics.write(self.results_dir, rec)
                    epoch_loss.zero_()
                    epoch_n = 0
                    epoch_t0 = time.perf_counter()
                if cfg.checkpoint_every and self.step % cfg.checkpoint_every == 0:
                    self.save_checkpoint()
                if mark is not None and (epoch_end or (cfg.checkpoint_every
                                                       and self.step % cfg.checkpoint_every == 0)):
                    _sync(dev)
                    mark, mark_steps = time.perf_counter(), 0  # evaluation and saving are not timed
                if not epoch_end:
                    final_eval = None
                if self.step >= self.total or stop:
                    break
            if stop:
                self.log.message(f"early stopping after epoch {epoch} (no better {self.monitor} in "
                                 f"{hp.get('early_stop_patience')} epochs)")
        self.log.close()
        if final_eval is None:  # the run ended inside an epoch: evaluate and record it as a partial epoch
            final_eval = self.evaluate()
            if epoch_n:
                t_train = time.perf_counter() - epoch_t0
                mean = self._mean_over_ranks(epoch_loss / epoch_n)
                self.history.append({
                    "epoch": self.step // self.spe if self.step % self.spe else self.step // self.spe - 1,
                    "steps": epoch_n, "partial": True, "time_s": round(t_train, 3),
                    "samples_per_s_per_device": round(epoch_n * self.batch / t_train, 3),
                    "train_loss": mean, "lr": self.sched.lr(max(self.step - 1, 0)), **final_eval})
        if cfg.checkpoint_every and steps_run and self.step % cfg.checkpoint_every != 0:
            self.save_checkpoint()
        record = self.record(thr, last_loss, final_eval, started, "finished")
        test = self.test_split(record)
        if ctx.is_root:
            if test is not None:
                record["test"] = {k: test[k] for k in ("source", "n", "metrics") if k in test}
                record["summary"]["test_metric"] = test["metrics"].get(self.wl.metric,
                                                                       test["metrics"].get("loss"))
            checkpoint.save(self.results_dir / "model_final.pt", self.raw.state_dict())
            metrics.write(self.results_dir, record)
            if test is not None:
                self.log.message(_test_line(test))
            self.log.message(_summary_line(record))
        return record["summary"]

    def test_split(self, record: dict[str, Any]) -> dict[str, Any] | None:
        """The held-out test split after training (a collective); the evaluation dict on rank 0."""
        from envkit.evaluate import run as evaluation

        if self.hp.get("test_at_end", True) is False:
            return None
        src, source = sources.test_source(self.cfg.data, self.wl.module, self.hp, self.batch, self.ctx.rank,
                                          self.ctx.world_size, self.cfg.seed, self.device)
        if src is None:
            self.log.message(f"no test split: {source}")
            return None
        self.recalibrate_batchnorm()
        self.ctx.sync_buffers(self.raw)
        gathered = evaluation.collect(self.raw, self.wl.module, src, self.ctx, self.amp)
        if gathered is None:
            return None
        self.results_dir.mkdir(parents=True, exist_ok=True)
        return evaluation.finish(self.wl.module, self.hp, gathered, self.results_dir, record, source)

    def record(self, thr: metrics.Throughput, last_loss: float, ev: dict[str, float], started: float,
               status: str) -> dict[str, Any]:
        """The content of metrics.json."""
        cfg, ctx = self.cfg, self.ctx
        per = thr.summary()
        total_mean = self._total(per["mean"])
        metric_value = ev.get(self.wl.metric)
        dev_name = torch.cuda.get_device_name(self.device) if self.device.type == "cuda" else "cpu"
        summary = {
            "workload": self.wl.name, "preset": self.hp["preset"], "site": cfg.site, "engine": cfg.engine,
            "world_size": ctx.world_size, "dist": ctx.kind,
            "throughput": round(total_mean, 3) if total_mean is not None else None,
            "throughput_per_device": per["mean"], "throughput_unit": "samples/s",
            "loss_start": self.loss_start, "loss_end": last_loss, "metric": self.wl.metric,
            "metric_value": metric_value, "precision": cfg.precision, "steps": self.step,
            "manifest_hash": cfg.manifest_hash, "results_dir": str(self.results_dir),
        }
        return {
            "status": status, "run_id": self.run_id, "workload": self.wl.name, "preset": self.hp["preset"],
            "site": cfg.site, "engine": cfg.engine, "manifest_hash": cfg.manifest_hash,
            "world_size": ctx.world_size, "dist": ctx.kind, "launcher": ctx.place.launcher,
            "device": str(self.device), "device_name": dev_name, "torch": torch.__version__,
            "precision": cfg.precision, "channels_last": self.channels_last, "compile": self.compiled,
            "batch_per_device": self.batch, "global_batch": self.global_batch, "lr": self.lr,
            "micro_batches": self.micro_batches, "batchnorm_samples": self.bn_samples,
            "steps": self.step, "total_steps": self.total, "steps_per_epoch": self.spe,
            "resumed_from": self.resumed_from, "data": cfg.data or "synthetic", "seed": cfg.seed,
            "workload_path": str(self.wl.path),
            "hyperparameters": self.hp,
            "throughput": {"unit": "samples/s", "per_device": per,
                           "total": {"mean": round(total_mean, 3) if total_mean is not None else None,
                                     "ci95": round(per["ci95"] * ctx.world_size, 3)}},
            "time_per_epoch_s": [h["time_s"] for h in self.history],
            "loss_start": self.loss_start, "loss_end": last_loss,
            "metric": {"name": self.wl.metric, "value": metric_value, "mode": self.wl.metric_mode},
            "eval": ev, "epochs": self.history, "wall_s": round(time.time() - started, 3),
            "summary": summary,
        }

    def _total(self, per_device: float) -> float | None:
        """Sum of the ranks' mean rates; None (null in metrics.json) when some rank timed no interval."""
        timed = 1.0 if math.isfinite(per_device) else 0.0
        t = torch.tensor([per_device if timed else 0.0, timed], dtype=torch.float64,
                         device=self.device if self.ctx.kind == "ddp" and self.device.type == "cuda" else "cpu")
        total, ranks_timed = self.ctx.all_reduce_sum(t).tolist()
        return float(total) if int(ranks_timed) == self.ctx.world_size else None


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


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:200]


def _test_line(test: dict[str, Any]) -> str:
    shown = " ".join(f"{k} {v:.4g}" for k, v in test["metrics"].items() if isinstance(v, float))
    extra = ""
    rep = test.get("report") or {}
    if "overlap" in rep and rep["overlap"].get("mean") is not None:
        extra = f", overlap mean {rep['overlap']['mean']:.4f} (n {rep['overlap']['n']})"
    if "auc" in rep:
        extra = f", AUC {rep['auc']:.4f}, confusion {rep['confusion']['counts']}"
    return f"test split ({test['n']} samples, {test['source']}): {shown}{extra}; evaluation.json"


def _summary_line(record: dict[str, Any]) -> str:
    s = record["summary"]
    thr = record["throughput"]["per_device"]
    metric = f" {s['metric']} {s['metric_value']:.4g}" if isinstance(s["metric_value"], float) else ""
    rate = (f"{thr['mean']:.1f} +- {thr['ci95']:.1f} samples/s/device, {s['throughput']:.1f} total"
            if s["throughput"] is not None else "too few steps to time (throughput null)")
    loss = f"{s['loss_start']:.4g} -> {s['loss_end']:.4g}" if s["loss_start"] is not None else "n/a"
    return (f"done: {s['steps']} steps, loss {loss},{metric} {rate} on {s['world_size']}; "
            f"{s['results_dir']}/metrics.json")


def _fit(cfg: RunConfig, wl: wlmod.Workload, hp: dict[str, Any], ctx: distmod.Context) -> dict[str, Any]:
    trainer = _Trainer(cfg, wl, hp, ctx)
    return trainer.fit()


def run(cfg: RunConfig) -> dict[str, Any]:
    """Train as `cfg` says; returns the summary dict (also in results/<run-id>/metrics.json)."""
    wl = wlmod.load(cfg.workload)
    hp = wl.preset(cfg.preset, cfg.overrides)
    if cfg.weights:
        if not Path(cfg.weights).is_file():
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

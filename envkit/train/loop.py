"""The training loop: steps over epochs (from where a resume left off), stage changes, the learning-rate
schedule, progress lines with throughput intervals, validation and a metrics.json after each epoch,
checkpoints, early stopping; then the record of the finished run (envkit.train.record).

The loop never waits for the device between log points: the loss is summed on the device and read only
there, which is also where throughput intervals are timed, after `warmup_iters` untimed steps;
evaluation and checkpoint saving are never inside a timed interval.

Example:
    >>> # summary = Loop(TrainState(cfg, wl, hp, ctx)).run()
    >>> # summary["steps"], summary["throughput"]  ->  (20, 1234.5)
"""

from __future__ import annotations

import time
from typing import Any

import torch

from envkit.train import metrics, record
from envkit.train.hparams import runner_params
from envkit.train.setup import TrainState
from envkit.train.step import train_step
from envkit.train.validate import evaluate, mean_over_ranks


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


class Intervals:
    """Throughput intervals: none before `warm` steps have run in this process, then one from each log
    point to the next (samples per second per device); `restart` leaves evaluation and saving out.

    >>> iv = Intervals(warm=1, device=torch.device("cpu"), batch=8)
    >>> iv.stepped(1); iv.stepped(2); iv.stepped(3); iv.close().endswith("samples/s/device"), len(iv.thr.rates)
    (True, 1)
    """

    def __init__(self, warm: int, device: torch.device, batch: int) -> None:
        self.warm, self.device, self.batch = warm, device, batch
        self.thr = metrics.Throughput()
        self.mark: float | None = None
        self.steps = 0

    def stepped(self, steps_run: int) -> None:
        """After each step: count it in the open interval; the first interval opens after `warm` steps."""
        if self.mark is not None:
            self.steps += 1
        if steps_run == self.warm:
            self.restart(force=True)

    def close(self) -> str:
        """At a log point: record the open interval (if it has steps) and open the next; the rate as text."""
        if self.mark is None or not self.steps:
            return ""
        now = time.perf_counter()
        self.thr.add(self.steps * self.batch, now - self.mark)
        self.mark, self.steps = now, 0
        return f" {self.thr.rates[-1]:.1f} samples/s/device"

    def restart(self, force: bool = False) -> None:
        """Open the interval anew (after the device is idle), if one is open or `force`."""
        if self.mark is not None or force:
            _sync(self.device)
            self.mark, self.steps = time.perf_counter(), 0


class Loop:
    """The loop over one run's steps; `run` returns the summary (also in metrics.json)."""

    def __init__(self, state: TrainState) -> None:
        self.s = state
        warmup = runner_params(state.hp).warmup_iters
        self.intervals = Intervals(int(warmup if warmup is not None else min(10, max(1, state.total // 4))),
                                   state.device, state.batch)
        dev = state.device
        self.loss_acc = torch.zeros((), device=dev)  # since the last log point
        self.epoch_loss = torch.zeros((), device=dev)
        self.n_acc = self.epoch_n = self.steps_run = 0
        self.first_loss: torch.Tensor | None = None
        self.last_loss = float("nan")
        self.lr = 0.0
        self.epoch_t0 = time.perf_counter()
        self.epoch_first_step = state.step  # where this process's count for the epoch starts (a resume)
        self.ckpt_s = 0.0  # checkpoint writes since the epoch's start: left out of its time_s
        self.stop = False
        self.final_eval: dict[str, float] | None = None
        self.started = time.time()

    def run(self) -> dict[str, Any]:
        s = self.s
        self._header()
        epoch = s.step // s.spe
        while s.step < s.total and not self.stop:
            epoch, pos = divmod(s.step, s.spe)
            for x, y in s.train_src.batches(epoch, pos):
                self._train_step(x, y)
                if self._after_step(epoch):
                    break
            if self.stop:
                s.log.message(f"early stopping after epoch {epoch} (no better {s.monitor} in "
                              f"{runner_params(s.hp).early_stop_patience} epochs)")
        s.log.close()
        if self.final_eval is None:
            self._final_evaluation()
        ce = s.cfg.checkpoint_every
        if ce and self.steps_run and s.step % ce != 0:
            s.save_checkpoint()
        return record.finish(s, self.intervals.thr, self.last_loss, self.final_eval or {}, self.started)

    def _header(self) -> None:
        s, cfg = self.s, self.s.cfg
        s.log.message(
            f"envkit.train {s.wl.name} preset={s.hp['preset']} device={s.device} world={s.ctx.world_size} "
            f"dist={s.ctx.kind} batch={s.batch}/device lr={s.lr:.4g} steps={s.total} "
            f"({s.spe}/epoch) precision={cfg.precision} run={s.run_id}")

    def _train_step(self, x: torch.Tensor, y: torch.Tensor) -> None:
        """Stage change, learning rate, the step, and the loss sums (on the device)."""
        s = self.s
        if s.stages is not None and s.stages.enter(s.step // s.spe, s.opt):
            s.sched.new_stage()
            s.log.message(f"stage {s.stages.current + 1}/{len(s.stages.bounds)}: "
                          f"{len(s.stages.frozen(s.stages.current))} parameter tensors frozen")
        self.lr = s.sched.lr(s.step)
        for group in s.opt.param_groups:
            group["lr"] = self.lr
        loss = train_step(s, x, y)
        s.step += 1
        self.steps_run += 1
        self.loss_acc += loss
        self.epoch_loss += loss
        self.n_acc += 1
        self.epoch_n += 1
        if self.first_loss is None and s.loss_start is None:
            self.first_loss = loss.clone()
        self.intervals.stepped(self.steps_run)

    def _after_step(self, epoch: int) -> bool:
        """Log point, end of epoch, checkpoint; True when the loop must stop."""
        s = self.s
        epoch_end = s.step % s.spe == 0
        if s.step % s.log_every == 0 or s.step == s.total or epoch_end:
            self._log_point(epoch)
        if epoch_end:
            self._end_epoch(epoch)
        saving = bool(s.cfg.checkpoint_every) and s.step % s.cfg.checkpoint_every == 0
        if saving:
            t0 = time.perf_counter()
            s.save_checkpoint()
            self.ckpt_s += time.perf_counter() - t0
        if epoch_end or saving:
            self.intervals.restart()  # evaluation and saving are not timed
        if not epoch_end:
            self.final_eval = None
        return s.step >= s.total or self.stop

    def _log_point(self, epoch: int) -> None:
        s = self.s
        self.last_loss = mean_over_ranks(s.ctx, self.loss_acc / self.n_acc)  # the one host sync
        if self.first_loss is not None:
            s.loss_start = mean_over_ranks(s.ctx, self.first_loss)
            self.first_loss = None
        rate = self.intervals.close()
        s.log.update(s.step, f"epoch {epoch} loss {self.last_loss:.4g} lr {self.lr:.3g}{rate}")
        self.loss_acc.zero_()
        self.n_acc = 0

    def _epoch_entry(self, epoch: int, partial: bool, lr: float, ev: dict[str, float],
                     t_train: float) -> dict[str, Any]:
        """The epoch's entry in metrics.json's `epochs`: its steps, training time (evaluation not
        included), rate, mean training loss over the ranks (a collective), learning rate and validation."""
        s = self.s
        mean = mean_over_ranks(s.ctx, self.epoch_loss / max(self.epoch_n, 1))
        t_train -= self.ckpt_s
        return {"epoch": epoch, "steps": self.epoch_n, "partial": partial, "first_step": self.epoch_first_step,
                "time_s": round(t_train, 3), "checkpoint_s": round(self.ckpt_s, 3),
                "samples_per_s_per_device": round(self.epoch_n * s.batch / t_train, 3),
                "train_loss": mean, "lr": lr, **ev}

    def _end_epoch(self, epoch: int) -> None:
        """Validation, the schedule's end of epoch (plateau, early stopping), the epoch's entry, metrics.json."""
        s = self.s
        t_train = time.perf_counter() - self.epoch_t0
        ev = self.final_eval = evaluate(s)
        entry = self._epoch_entry(epoch, self.epoch_n < s.spe, self.lr, ev, t_train)
        self.stop = s.sched.end_epoch(ev.get(s.monitor))
        if self.stop and s.stages is not None and s.stages.index(epoch) < len(s.stages.bounds) - 1:
            # early stopping ends the stage, not the run (DL_DES: a new EarlyStopping for each fit)
            self.stop = False
            entry["early_stopped_stage"] = s.stages.index(epoch) + 1
            s.step = s.stages.bounds[s.stages.index(epoch)][0] * s.spe
            s.log.message(f"early stopping ends stage {entry['early_stopped_stage']} after epoch {epoch}")
        s.history.append(entry)
        s.log.message(f"epoch {epoch}: loss {entry['train_loss']:.4g} "
                      + " ".join(f"{k} {v:.4g}" for k, v in ev.items()) + f" ({t_train:.1f} s)")
        rec = record.build(s, self.intervals.thr, self.last_loss, ev, self.started, "running")  # every rank
        if s.ctx.is_root:
            metrics.write(s.results_dir, rec)
        self.epoch_loss.zero_()
        self.epoch_n = 0
        self.epoch_t0 = time.perf_counter()
        self.epoch_first_step = s.step
        self.ckpt_s = 0.0

    def _final_evaluation(self) -> None:
        """When the run ended inside an epoch: evaluate, and record the steps since the last epoch's end
        as a partial epoch."""
        s = self.s
        t_train = time.perf_counter() - self.epoch_t0
        self.final_eval = evaluate(s)
        if not self.epoch_n:
            return
        epoch = s.step // s.spe if s.step % s.spe else s.step // s.spe - 1
        s.history.append(self._epoch_entry(epoch, True, s.sched.lr(max(s.step - 1, 0)), self.final_eval, t_train))

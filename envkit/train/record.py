"""What a run leaves behind: metrics.json (written after each epoch and at the end), the held-out test
split's evaluation (evaluation.json and the figures, curves.png among them, via envkit.evaluate),
model_final.pt, and the summary lines on rank 0.

Example:
    >>> summary_line({"summary": {"steps": 20, "loss_start": 2.5, "loss_end": 1.25, "metric": "val_loss",
    ...     "metric_value": 1.5, "throughput": None, "world_size": 2, "results_dir": "r"},
    ...     "throughput": {"per_device": {}}})
    'done: 20 steps, loss 2.5 -> 1.25, val_loss 1.5 too few steps to time (throughput null) on 2; r/metrics.json'
"""

from __future__ import annotations

import math
import socket
import time
from typing import Any

import torch

from envkit.train import checkpoint, metrics, sources
from envkit.train.hparams import runner_params
from envkit.train.setup import TrainState
from envkit.train.validate import recalibrate_batchnorm


def _rounded(value: float | None) -> float | None:
    return round(value, 3) if value is not None else None


def _summary(state: TrainState, total_mean: float | None, per: dict[str, Any], last_loss: float,
             metric_value: float | None) -> dict[str, Any]:
    cfg, ctx = state.cfg, state.ctx
    return {
        "workload": state.wl.name, "preset": state.hp["preset"], "site": cfg.site, "engine": cfg.engine,
        "world_size": ctx.world_size, "dist": ctx.kind,
        "throughput": _rounded(total_mean),
        "throughput_per_device": per["mean"], "throughput_unit": "samples/s",
        "loss_start": state.loss_start, "loss_end": last_loss, "metric": state.wl.metric,
        "metric_value": metric_value, "precision": cfg.precision, "steps": state.step,
        "manifest_hash": cfg.manifest_hash, "results_dir": str(state.results_dir),
    }


def build(state: TrainState, thr: metrics.Throughput, last_loss: float, ev: dict[str, float], started: float,
          status: str) -> dict[str, Any]:
    """The content of metrics.json (a collective: the throughput total is summed over the ranks)."""
    cfg, ctx = state.cfg, state.ctx
    per = thr.summary()
    total_mean = total_rate(state, per["mean"])
    metric_value = ev.get(state.wl.metric)
    dev_name = torch.cuda.get_device_name(state.device) if state.device.type == "cuda" else "cpu"
    hosts = ctx.all_gather_object(socket.gethostname())  # every rank's host, in rank order
    summary = _summary(state, total_mean, per, last_loss, metric_value)
    summary["hosts"] = sorted(set(hosts))
    return {
        "status": status, "run_id": state.run_id, "workload": state.wl.name, "preset": state.hp["preset"],
        "site": cfg.site, "engine": cfg.engine, "manifest_hash": cfg.manifest_hash,
        "world_size": ctx.world_size, "dist": ctx.kind, "launcher": ctx.place.launcher, "hosts": hosts,
        "device": str(state.device), "device_name": dev_name, "torch": torch.__version__,
        "precision": cfg.precision, "channels_last": state.channels_last, "compile": state.compiled,
        "batch_per_device": state.batch, "global_batch": state.global_batch, "lr": state.lr,
        "micro_batches": state.micro_batches, "batchnorm_samples": state.bn_samples,
        "steps": state.step, "total_steps": state.total, "steps_per_epoch": state.spe,
        "resumed_from": state.resumed_from, "resumed_optimizer_steps": state.resumed_optimizer_steps,
        "data": cfg.data or "synthetic", "seed": cfg.seed, "input_shape": list(state.input_shape),
        "workload_path": str(state.wl.path),
        "hyperparameters": dict(state.hp),
        "throughput": {"unit": "samples/s", "per_device": per,
                       "total": {"mean": _rounded(total_mean), "ci95": round(per["ci95"] * ctx.world_size, 3)}},
        "time_per_epoch_s": [h["time_s"] for h in state.history], "measured": measured(state),
        "loss_start": state.loss_start, "loss_end": last_loss,
        "metric": {"name": state.wl.metric, "value": metric_value, "mode": state.wl.metric_mode},
        "eval": ev, "epochs": state.history, "wall_s": round(time.time() - started, 3),
        "summary": summary,
    }


def measured(state: TrainState) -> dict[str, str]:
    """How the run's numbers were measured (metrics.json `measured`): what the throughput and the
    epoch times include.

    >>> from types import SimpleNamespace as N
    >>> measured(N(cfg=N(data="d"), train_src=object()))["data_loading"][:8]
    'included'
    """
    on_device = isinstance(state.train_src, sources.DeviceSource)
    return {
        "data_loading": ("excluded: synthetic samples already on the device, no loading in the timed steps"
                         if on_device else "included: batches are read from --data (DataLoader workers) while "
                         "the timed steps run; a wait for data counts in the time"),
        "throughput": "timed between log points after warmup_iters steps; validation and checkpoint writes "
                      "excluded",
        "time_per_epoch_s": "training steps only: validation excluded, checkpoint writes excluded "
                            "(epochs[].checkpoint_s beside it)",
        "partial_epochs": "epochs[].partial is true for an epoch this process did not run from its first step "
                          "(a resumed epoch counts from epochs[].first_step) or a run that ended inside it",
    }


def total_rate(state: TrainState, per_device: float) -> float | None:
    """Sum of the ranks' mean rates; None (null in metrics.json) when some rank timed no interval."""
    ctx = state.ctx
    timed = 1.0 if math.isfinite(per_device) else 0.0
    t = torch.tensor([per_device if timed else 0.0, timed], dtype=torch.float64,
                     device=state.device if ctx.kind == "ddp" and state.device.type == "cuda" else "cpu")
    total, ranks_timed = ctx.all_reduce_sum(t).tolist()
    return float(total) if int(ranks_timed) == ctx.world_size else None


def test_split(state: TrainState, record: dict[str, Any]) -> dict[str, Any] | None:
    """The held-out test split after training (a collective); the evaluation dict on rank 0."""
    from envkit.evaluate import run as evaluation

    if not runner_params(state.hp).test_at_end:
        return None
    cfg, ctx = state.cfg, state.ctx
    src, source = sources.test_source(cfg.data, state.wl.module, state.hp, state.batch, ctx.rank,
                                      ctx.world_size, cfg.seed, state.device)
    if src is None:
        state.log.message(f"no test split: {source}")
        return None
    recalibrate_batchnorm(state)
    ctx.sync_buffers(state.raw)
    gathered = evaluation.collect(state.raw, state.wl.module, src, ctx, state.amp)
    if gathered is None:
        return None
    state.results_dir.mkdir(parents=True, exist_ok=True)
    from envkit.records.metrics import Metrics

    return evaluation.finish(state.wl.module, state.hp, gathered, state.results_dir,
                             Metrics.model_validate(metrics.json_finite(record)), source)


def finish(state: TrainState, thr: metrics.Throughput, last_loss: float, ev: dict[str, float],
           started: float) -> dict[str, Any]:
    """The finished run's record with its test split; rank 0 writes model_final.pt and metrics.json and
    prints the test and summary lines. Returns the summary (every rank)."""
    record = build(state, thr, last_loss, ev, started, "finished")
    test = test_split(state, record)
    if state.ctx.is_root:
        if test is not None:
            record["test"] = {k: test[k] for k in ("source", "n", "metrics") if k in test}
            record["summary"]["test_metric"] = test["metrics"].get(state.wl.metric, test["metrics"].get("loss"))
        checkpoint.save(state.results_dir / "model_final.pt", state.raw.state_dict())
        metrics.write(state.results_dir, record)
        if test is not None:
            state.log.message(test_line(test))
        state.log.message(summary_line(record))
    return record["summary"]


def test_line(test: dict[str, Any]) -> str:
    """The test split's numbers in one line.

    >>> test_line({"n": 4, "source": "s", "metrics": {"loss": 0.5}, "report": {"auc": 0.75,
    ...     "confusion": {"counts": [[2, 0], [1, 1]]}}})
    'test split (4 samples, s): loss 0.5, AUC 0.7500, confusion [[2, 0], [1, 1]]; evaluation.json'
    """
    shown = " ".join(f"{k} {v:.4g}" for k, v in test["metrics"].items() if isinstance(v, float))
    extra = ""
    rep = test.get("report") or {}
    if "overlap" in rep and rep["overlap"].get("mean") is not None:
        extra = f", overlap mean {rep['overlap']['mean']:.4f} (n {rep['overlap']['n']})"
    if "auc" in rep:
        extra = f", AUC {rep['auc']:.4f}, confusion {rep['confusion']['counts']}"
    return f"test split ({test['n']} samples, {test['source']}): {shown}{extra}; evaluation.json"


def summary_line(record: dict[str, Any]) -> str:
    """The run in one line: steps, loss, metric, throughput with its spread, where metrics.json is."""
    s = record["summary"]
    thr = record["throughput"]["per_device"]
    metric = f" {s['metric']} {s['metric_value']:.4g}" if isinstance(s["metric_value"], float) else ""
    rate = (f"{thr['mean']:.1f} +- {thr['ci95']:.1f} samples/s/device, {s['throughput']:.1f} total"
            if s["throughput"] is not None else "too few steps to time (throughput null)")
    loss = f"{s['loss_start']:.4g} -> {s['loss_end']:.4g}" if s["loss_start"] is not None else "n/a"
    return (f"done: {s['steps']} steps, loss {loss},{metric} {rate} on {s['world_size']}; "
            f"{s['results_dir']}/metrics.json")

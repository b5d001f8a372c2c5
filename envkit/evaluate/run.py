"""The held-out test split of a run: predictions on every rank, the field's report on rank 0.

A workload's model.py may define `predictions(outputs) -> Tensor` (a compact per-sample summary: AI-GW
the five parameters, AI-DES class probabilities, ResNet-50 the top-5 classes) and
`report(pred, target, out_dir, hp, title) -> dict` (see envkit.evaluate.gw and .classify); every
workload also gets its own `evaluate`/`summarize` metrics and the loss on the test split. The result is
written to RUN/evaluation.json beside metrics.json, with the figures (curves.png and the report's).

Used at the end of every run (runner) and by `envkit evaluate RUN [--data DIR]`.

Example:
    >>> # evaluate_run("results/aides-smoke-20261129-101500")["report"]["auc"]
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import torch

from envkit.data.atomic import write_json
from envkit.evaluate import curves
from envkit.records.metrics import Metrics
from envkit.train.hparams import DEFAULT_BATCH, runner_params
from envkit.train.metrics import json_finite

FILENAME = "evaluation.json"


class EvaluateError(ValueError):
    """A run that cannot be evaluated (printed as one line)."""


def collect(model: torch.nn.Module, module: Any, src: Any, ctx: Any,
            amp: Callable[[], Any] = contextlib.nullcontext) -> tuple[dict[str, float], int, Any, Any] | None:
    """Run `model` over this rank's share of `src`; on rank 0 returns (metric sums, count, predictions,
    targets) gathered from every rank, on the others None (a collective: every rank must call it)."""
    was_training = model.training
    model.eval()
    sums: dict[str, float] = {}
    count = 0
    preds: list[np.ndarray] = []
    targets: list[np.ndarray] = []
    has_pred = hasattr(module, "predictions")
    with torch.no_grad(), amp():
        for x, y in src.batches(0):
            out = model(x)
            part = dict(module.evaluate(out, y))
            part["loss"] = module.loss(out, y).float() * len(y)
            for k, v in part.items():
                sums[k] = sums.get(k, 0.0) + float(v)
            count += len(y)
            if has_pred:
                preds.append(module.predictions(out).float().cpu().numpy())
                targets.append(y.cpu().numpy())
    model.train(was_training)
    gathered = ctx.all_gather_object((sums, count, preds, targets))
    if not ctx.is_root:
        return None
    total: dict[str, float] = {}
    n = 0
    all_p: list[np.ndarray] = []
    all_t: list[np.ndarray] = []
    for s, c, p, t in gathered:
        n += c
        all_p += p
        all_t += t
        for k, v in s.items():
            total[k] = total.get(k, 0.0) + v
    pred = np.concatenate(all_p) if all_p else None
    target = np.concatenate(all_t) if all_t else None
    return total, n, pred, target


def finish(module: Any, hp: Mapping[str, Any], gathered: tuple[dict[str, float], int, Any, Any], out_dir: Path,
           record: Metrics, source: str) -> dict[str, Any]:
    """The evaluation dict (also written to out_dir/evaluation.json) and the figures, on rank 0."""
    sums, n, pred, target = gathered
    if n == 0:
        raise EvaluateError(f"{source}: the test split is empty")
    title = f"{record.run_id}: {record.workload} {record.preset or ''}, test split ({n} samples, {source})"
    metrics: dict[str, Any] = {"loss": sums.pop("loss") / n, **module.summarize(sums, n)}
    result: dict[str, Any] = {"run_id": record.run_id, "workload": record.workload,
                              "split": "test", "source": source, "n": n, "metrics": metrics}
    if pred is not None and hasattr(module, "report"):
        result["report"] = module.report(pred, target, out_dir, hp, title, source=source)
    target_spec = hp.get("target_metric")
    if isinstance(target_spec, dict) and record.epochs:
        result["time_to_target"] = curves.time_to_target(record.epochs, str(target_spec["name"]),
                                                         float(target_spec["value"]),
                                                         str(target_spec.get("mode", "max")))
    if curves.draw(record, out_dir / curves.FILENAME):
        result["curves"] = curves.FILENAME
    write_json(out_dir / FILENAME, json_finite(result))
    return result


def registry_workload(name: str, mpath: Path) -> Path:
    """The folder of the workload a run's metrics.json names, looked up by name in envkit's own workload
    folders ($ENVKIT_WORKLOADS, the user's, the shipped ones), never in the run's files or the current folder:
    a results folder is someone else's data, and importing a model.py it points at would run their code."""
    import re

    from envkit.recipe.workload_spec import search_dirs

    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}", name):
        raise EvaluateError(f"{mpath}: workload {name[:70]!r} is not a workload name; pass --workload NAME_OR_DIR")
    cwd = Path.cwd().resolve()
    for folder in search_dirs():
        candidate = folder / name
        if folder.resolve() == cwd / "workloads" and not _is_shipped(folder):
            continue   # ./workloads is wherever the user stands: only an explicit --workload names it
        if (candidate / "workload.yaml").is_file():
            return candidate.resolve()
    raise EvaluateError(f"{mpath}: workload {name!r} is not one envkit knows; pass --workload NAME_OR_DIR")


def _is_shipped(folder: Path) -> bool:
    from envkit.resources import workload_dirs

    return any(folder.resolve() == d.resolve() for d in workload_dirs())


def evaluate_run(run: str | os.PathLike[str], data: str | None = None, device: str = "cpu",
                 batch: int | None = None, workload: str | None = None) -> dict[str, Any]:
    """Evaluate a finished run's model_final.pt on its test split (`data`: another data folder, e.g.
    the host path of what the container saw); single process. Returns what evaluation.json holds.
    The workload is `workload` when given (a name or folder the user chose), else the name the run
    recorded, looked up in envkit's registry (`registry_workload`); `workload_path` is never used."""
    from envkit.errors import EnvkitError
    from envkit.records import metrics as metrics_file
    from envkit.train import dist as distmod
    from envkit.train import sources, weights
    from envkit.train import workload as wlmod

    run_dir = Path(run)
    mpath = run_dir / metrics_file.FILENAME
    if not mpath.is_file():
        raise EvaluateError(f"{run_dir}: no metrics.json (not a run folder)")
    try:
        record = metrics_file.read(mpath)
    except EnvkitError as exc:
        raise EvaluateError(str(exc)) from None
    wpath = run_dir / "model_final.pt"
    if not wpath.is_file():
        raise EvaluateError(f"{run_dir}: no model_final.pt (the run did not finish)")
    wl = wlmod.load(workload if workload else str(registry_workload(record.workload, mpath)))
    hp = dict(record.hyperparameters)
    if data is None and record.data not in (None, "synthetic"):
        data = record.data
    ctx = distmod.setup("none", device)
    model = wl.module.build_model(hp)
    weights.load_into(model, weights.read(wpath), source=str(wpath))
    model = model.to(ctx.device)
    size = int(batch or record.batch_per_device or runner_params(hp).batch or DEFAULT_BATCH)
    src, source = sources.test_source(data, wl.module, hp, size, 0, 1, record.seed, ctx.device)
    if src is None:
        raise EvaluateError(f"{data}: no test split (test.h5, or test/ or val/ image folders); pass --data DIR")
    gathered = collect(model, wl.module, src, ctx)
    assert gathered is not None
    return finish(wl.module, hp, gathered, run_dir, record, source)

"""`envkit evaluate RUN [--data DIR]`: a finished run's model on its held-out test split, as its field does it.

RUN is a run folder (results/aigw-smoke-20261129-101500) or a run id under --results. Writes
RUN/evaluation.json and the figures (curves.png, and parameters.png for AI-GW, roc.png for AI-DES)
and prints the numbers; torch is imported only when the command runs.

Example:
    $ envkit evaluate results/aigw-smoke-20261129-101500
    $ envkit evaluate aides-smoke-20261129-101500 --data data/aides
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from envkit.errors import EnvkitError


def lines(result: dict[str, Any]) -> list[str]:
    """The evaluation as text, one fact a line.

    >>> lines({"run_id": "r", "split": "test", "n": 2, "source": "s", "metrics": {"loss": 0.5}})
    ['r: test split, 2 samples (s)', '  loss 0.5']
    """
    out = [f"{result['run_id']}: {result['split']} split, {result['n']} samples ({result['source']})",
           "  " + "  ".join(f"{k} {v:.4g}" for k, v in result["metrics"].items() if isinstance(v, (int, float)))]
    rep = result.get("report") or {}
    if "errors" in rep:
        out.append(f"  {'parameter':<10}{'MAE':>10}{'RMSE':>10}{'median':>10}{'bias':>10}")
        for name, e in rep["errors"].items():
            out.append(f"  {name:<10}{e['mae']:>10.4g}{e['rmse']:>10.4g}{e['median_abs']:>10.4g}{e['bias']:>10.4g}")
        ov = rep.get("overlap") or {}
        if ov.get("mean") is not None:
            out.append(f"  overlap (true vs predicted waveforms, {ov['approximant']}, {ov['noise']}): mean "
                       f"{ov['mean']:.4f}, median {ov['median']:.4f}, min {ov['min']:.4f}, > 0.99 for "
                       f"{100 * ov['fraction_above_0.99']:.1f} % of {ov['n']}")
        elif ov.get("skipped"):
            out.append(f"  overlap: skipped ({ov['skipped']})")
    if "confusion" in rep:
        names = rep["confusion"]["rows_true_cols_predicted"]
        out.append("  confusion (rows true, columns predicted): " + "; ".join(
            f"{n}: {row}" for n, row in zip(names, rep["confusion"]["counts"], strict=True)))
        out.append(f"  AUC {rep['auc']:.4f} ({rep['auc_positive_class']} positive)")
        cat = rep["catalogue"]
        purity = f"{cat['all']['purity']:.4f}" if cat["all"]["purity"] is not None else "n/a"
        out.append(f"  p >= {cat['threshold']}: {cat['all']['size']} of {rep['n']} classified, purity {purity}")
    if "top1" in rep:
        out.append(f"  top-1 {rep['top1']:.4f}  top-5 {rep['top5']:.4f} over {rep['n']} images")
    if result.get("time_to_target"):
        t = result["time_to_target"]
        out.append(f"  time to {t['metric']} {t['target']}: " + (f"{t['train_seconds']} s (epoch {t['epoch']})"
                                                                 if t["reached"] else "not reached"))
    figures = [f for f in (result.get("curves"), rep.get("figure")) if f]
    if figures:
        out.append(f"  figures: {', '.join(figures)}")
    return out


def evaluate_cmd(
    run: Annotated[str, typer.Argument(help="Run folder, or a run id under --results.")],
    data: Annotated[str | None, typer.Option(help="Data folder holding test.h5 (or test/ or val/ images); "
                                                  "default: the run's own data, synthetic if it had none.")] = None,
    results: Annotated[Path, typer.Option(envvar="ENVKIT_RESULTS", help="Where run ids are looked up.")] = Path(
        "results"),
    device: Annotated[str, typer.Option(help="cpu, cuda or auto.")] = "cpu",
    batch: Annotated[int | None, typer.Option(help="Samples per forward pass (default: the run's).")] = None,
    workload: Annotated[str | None, typer.Option(help="Workload name or folder to evaluate with (default: the "
                                                      "name the run recorded, from envkit's own workloads; a "
                                                      "path in the run's files is never imported).")] = None,
) -> None:
    """Evaluate a finished run on its held-out test split. Example: envkit evaluate results/aigw-smoke-..."""
    from envkit.evaluate.run import EvaluateError, evaluate_run

    folder = Path(run) if Path(run).is_dir() else results / run
    if not folder.is_dir():
        raise EnvkitError(f"{run}: no such run folder (nor {results / run})")
    if device not in ("cpu", "cuda", "auto"):
        raise EnvkitError(f"--device {device!r}: choose cpu, cuda or auto")
    if batch is not None and batch < 1:
        raise EnvkitError(f"--batch must be at least 1, got {batch}")
    try:
        result = evaluate_run(folder, data, device, batch, workload)
    except (EvaluateError, ValueError, OSError) as exc:
        raise EnvkitError(str(exc)) from None
    print("\n".join(lines(result)))
    print(f"  written: {folder / 'evaluation.json'}")


def register(app: typer.Typer) -> None:
    """Add `evaluate` to the envkit command line."""
    app.command("evaluate")(evaluate_cmd)

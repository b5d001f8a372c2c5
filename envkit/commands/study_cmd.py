"""`envkit scale`, `envkit plot`, `envkit predict`: the paper's scaling study, measured or predicted.

Registered by envkit.cli (`register(app)`).

Example:
    $ envkit scale --site local workloads/aigw --ranks 1,2 -- --preset smoke --steps 20
    $ envkit plot results/aigw-scale-*-np* -o docs/figures/aigw-local-scaling.png
    $ envkit predict --site hal workloads/resnet50 --gpus 1,8,64 --throughput 781 --batch 208
"""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Annotated

import typer

from envkit.commands.options import JsonOpt, ResultsOpt, SiteOpt, StoreOpt
from envkit.errors import EnvkitError

CONTEXT = {"allow_extra_args": True, "ignore_unknown_options": False}


def _ints(text: str, option: str) -> list[int]:
    try:
        values = [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise EnvkitError(f"{option} {text!r}: expected numbers separated by commas, e.g. 1,2,4") from None
    if not values or min(values) < 1:
        raise EnvkitError(f"{option} {text!r}: expected numbers >= 1")
    return values


def _check_prediction_inputs(throughput: float, batch: int | None, params: int | None, samples: int | None,
                             overlap: float) -> None:
    """Refuse what would print nan, negative or meaningless predictions, one line each."""
    import math

    if not math.isfinite(throughput) or throughput <= 0:
        raise EnvkitError(f"--throughput {throughput}: expected a finite number of samples/s above 0")
    for option, value in (("--batch", batch), ("--params", params), ("--samples", samples)):
        if value is not None and value < 1:
            raise EnvkitError(f"{option} {value}: expected a whole number >= 1")
    if not math.isfinite(overlap) or not 0.0 <= overlap <= 1.0:
        raise EnvkitError(f"--overlap {overlap}: expected a share between 0 and 1")


def scale_cmd(
    ctx: typer.Context,
    workload: Annotated[str, typer.Argument(help="Workload name or folder.")],
    site: SiteOpt = "local",
    ranks_: Annotated[str, typer.Option("--ranks", help="Ranks of each run, e.g. 1,2,4,8.")] = "1,2",
    nodes_: Annotated[str | None, typer.Option("--nodes", help="Nodes of each run (default 1 each), e.g. "
                                                                "1,1,2,4.")] = None,
    submit: Annotated[bool, typer.Option("--submit", help="Submit each run as a batch job instead.")] = False,
    results: ResultsOpt = Path("results"),
    series: Annotated[str | None, typer.Option("--series", help="Name of the series (run ids SERIES-npN).")]
    = None,
    store: StoreOpt = None,
    native: Annotated[bool, typer.Option("--native", help="Run without the container.")] = False,
) -> None:
    """Run (or submit) one run per rank count; arguments after `--` go to the training runner.

    Example: envkit scale --site local workloads/aigw --ranks 1,2 -- --preset smoke --steps 20
    """
    from envkit.launch.run import new_run_id, workload_name

    ranks = _ints(ranks_, "--ranks")
    nodes = _ints(nodes_, "--nodes") if nodes_ else [1] * len(ranks)
    if len(nodes) != len(ranks):
        raise EnvkitError(f"--nodes has {len(nodes)} values but --ranks has {len(ranks)}")
    from envkit.launch.run import check_run_id

    if series is not None:
        check_run_id(series, "--series")
    name = series or new_run_id(f"{workload_name(workload)}-scale")
    done: list[Path] = []
    for np_, n in zip(ranks, nodes, strict=True):
        run_id = f"{name}-np{np_}"
        argv = [sys.executable, "-m", "envkit.cli", "submit" if submit else "run", "--site", site, workload,
                "--np", str(np_), "--nodes", str(n), "--results", str(results), "--run-id", run_id]
        argv += ["--store", str(store)] if store else []
        argv += ["--native"] if native and not submit else []
        argv += ["--", *ctx.args] if ctx.args else []
        sys.stderr.write(f"scale: {np_} rank(s) on {n} node(s): {run_id}\n")
        code = subprocess.run(argv, check=False).returncode
        if code != 0:
            raise EnvkitError(f"the {np_}-rank run failed (exit {code}); results so far: "
                              f"{', '.join(str(d) for d in done) or 'none'}")
        done.append(results / run_id)
    verb = "submitted" if submit else "finished"
    shown = " ".join(shlex.quote(str(d)) for d in done)
    sys.stdout.write(f"{verb} {len(done)} run(s): {shown}\n"
                     f"next: envkit plot {shown} -o {shlex.quote(name + '.png')}\n")


def plot_cmd(
    runs: Annotated[list[Path], typer.Argument(help="Run folders or their metrics.json files.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Figure file: .png, .svg or .pdf.")]
    = Path("scaling.png"),
    title: Annotated[str | None, typer.Option("--title", help="Figure title.")] = None,
) -> None:
    """Draw the paper's two panels (time per epoch; throughput with speed-up and efficiency).

    Example: envkit plot results/aigw-scale-np1 results/aigw-scale-np2 -o scaling.png
    """
    from envkit.study.plot import plot

    path = plot(list(runs), output, title)
    sys.stdout.write(f"wrote {path}\n")


def predict_cmd(
    workload: Annotated[str, typer.Argument(help="Workload name or folder.")],
    site: SiteOpt = "hal",
    gpus_: Annotated[str, typer.Option("--gpus", help="Device counts, e.g. 1,8,64.")] = "1,8,64",
    throughput: Annotated[float | None, typer.Option("--throughput", help="Measured samples/s on one device.")]
    = None,
    metrics: Annotated[Path | None, typer.Option("--metrics", help="A one-device run's metrics.json (its "
                                                                   "throughput and batch).")] = None,
    batch: Annotated[int | None, typer.Option("--batch", help="Samples per device per step.")] = None,
    params: Annotated[int | None, typer.Option("--params", help="Model parameters (gradients: 4 bytes each).")]
    = None,
    samples: Annotated[int | None, typer.Option("--samples", help="Samples per epoch.")] = None,
    overlap: Annotated[float, typer.Option("--overlap", help="Share of the backward pass that hides "
                                                             "communication, 0..1.")] = 1.0,
    as_json: JsonOpt = False,
) -> None:
    """Predict time per epoch, throughput and efficiency per device count, and compare with the paper.

    Example: envkit predict --site hal workloads/aigw --gpus 1,8,64
    """
    from envkit.launch.run import workload_name
    from envkit.profile import load_profile
    from envkit.study.paper import WORKLOADS, compare
    from envkit.study.predict import Work, machine_for, predict

    name = workload_name(workload)
    facts = WORKLOADS.get(name, {})
    source = "--throughput"
    if metrics is not None:
        from envkit.records import metrics as metrics_file
        from envkit.study.plot import load_run

        run = load_run(metrics)
        throughput = throughput or run.throughput / run.devices
        record = metrics_file.read(metrics)
        batch = batch or record.batch_per_device
        samples = samples or (record.steps_per_epoch or 0) * (record.global_batch or 0) or None
        source = f"measured in {metrics}"
    if throughput is None:
        if facts:
            throughput, source = float(facts["v100"]), f"paper-derived V100 figure: {facts['v100_src']}"
    if throughput is None:
        raise EnvkitError(f"no throughput for {name}: give --throughput or --metrics")
    _check_prediction_inputs(throughput, batch, params, samples, overlap)
    work = Work(throughput=float(throughput), batch=batch or int(facts.get("batch", 1)),
                grad_bytes=4.0 * float(params or facts.get("params", 0)), overlap=overlap)
    if work.grad_bytes <= 0:
        raise EnvkitError(f"no parameter count for {name}: give --params")
    machine = machine_for(load_profile(site))
    points = [predict(work, machine, g) for g in _ints(gpus_, "--gpus")]
    rows = [r for r in compare() if r.case.workload == name]
    if as_json:
        sys.stdout.write(json.dumps({
            "site": site, "workload": name, "throughput_source": source, "batch": work.batch,
            "grad_bytes": work.grad_bytes, "points": [p.__dict__ | {"speedup": p.speedup} for p in points],
            "paper": [{"label": r.case.label, "predicted": r.predicted, "reported": r.reported, "unit": r.unit,
                       "ratio": r.ratio, "driver": r.driver} for r in rows]}, sort_keys=True) + "\n")
        return
    out = sys.stdout.write
    out(f"{name} on {site}: PREDICTED (alpha-beta all-reduce with overlap; an estimate, not a measurement)\n"
        f"one device: {work.throughput:.4g} samples/s ({source}); batch {work.batch}/device; gradients "
        f"{work.grad_bytes / 1e6:.1f} MB; link {machine.link_bw / 1e9:.0f} GB/s, network "
        f"{machine.net_bw / 1e9:.1f} GB/s per node, {machine.gpus_per_node} devices per node\n")
    out(f"{'devices':>8} {'step ms':>9} {'comm ms':>9} {'samples/s':>12} {'speed-up':>9} {'eff.':>6} "
        f"{'time/epoch':>11}\n")
    for p in points:
        epoch = f"{samples / p.throughput / 3600:.3g} h" if samples else "n/a"
        out(f"{p.gpus:>8} {p.step_s * 1e3:>9.2f} {p.comm_s * 1e3:>9.2f} {p.throughput:>12.1f} "
            f"{p.speedup:>9.2f} {p.efficiency:>6.0%} {epoch:>11}\n")
    if rows:
        out("\nbeside the paper (Huerta et al. 2020, J Big Data 7:88), with the paper-derived V100 inputs:\n")
        out(f"{'figure':<34} {'predicted':>10} {'reported':>10} {'unit':<6} {'ratio':>6}  what drives the error\n")
        for r in rows:
            out(f"{r.case.label:<34} {r.predicted:>10.3g} {r.reported:>10.3g} {r.unit:<6} {r.ratio:>6.2f}  "
                f"{r.driver}\n")


def register(app: typer.Typer) -> None:
    """Add `scale`, `plot` and `predict` to the envkit command line."""
    app.command("scale", context_settings=CONTEXT)(scale_cmd)
    app.command("plot")(plot_cmd)
    app.command("predict")(predict_cmd)

"""The paper's two scaling panels from run results, drawn with matplotlib.

Left: time per epoch (log scale) versus devices, with ideal strong scaling from the smallest run. Right:
throughput versus devices with the ideal line, and speed-up and efficiency annotated at each point.
Throughput is the runner's measured mean with its 95 % interval as error bars; time per epoch is the
measured epoch time when the run finished an epoch, else samples per epoch / measured throughput (said
in the axis label). The figure names the site, workload, date, engine and image (manifest) hash.

Example:
    >>> pts = [Measured(1, 10.0, 1.0, 100.0, True), Measured(2, 18.0, 1.0, 55.6, True)]
    >>> round(speedups(pts)[1], 2)
    1.8
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from envkit.errors import EnvkitError


@dataclass(frozen=True)
class Measured:
    """One run: devices, throughput (samples/s, all devices) with its 95 % interval, seconds per epoch."""

    devices: int
    throughput: float
    ci95: float
    epoch_s: float
    epoch_measured: bool
    site: str = ""
    workload: str = ""
    engine: str = ""
    manifest_hash: str = ""
    unit: str = "samples/s"
    device: str = ""


def load_run(path: Path) -> Measured:
    """A run folder or its metrics.json -> Measured (one-line error when it is not a finished run)."""
    from envkit.records import metrics

    file = path / metrics.FILENAME if path.is_dir() else path
    record = metrics.read(file)
    if not record.finished:
        raise EnvkitError(f"{file}: run status is {record.status!r}, expected 'finished'")
    mean = record.throughput.total.mean
    if mean is None or mean <= 0:
        raise EnvkitError(f"{file}: no measured throughput (throughput.total.mean is {mean}, expected > 0)")
    ci95 = record.throughput.total.ci95 or 0.0
    if ci95 < 0:
        raise EnvkitError(f"{file}: throughput.total.ci95 is {ci95}, expected >= 0")
    if any(t is not None and t < 0 for t in record.time_per_epoch_s):
        raise EnvkitError(f"{file}: time_per_epoch_s holds a negative time")
    epochs = [float(t) for t in record.time_per_epoch_s if t]
    samples = (record.steps_per_epoch or 0) * (record.global_batch or 0)
    epoch_s = sum(epochs) / len(epochs) if epochs else samples / mean if samples else float("nan")
    return Measured(devices=record.world_size, throughput=mean, ci95=ci95, epoch_s=epoch_s,
                    epoch_measured=bool(epochs), site=record.site or "", workload=record.workload,
                    engine=record.engine or "", manifest_hash=record.manifest_hash or "",
                    unit=record.throughput.unit, device=record.device_name or record.device or "")


def speedups(points: list[Measured]) -> list[float]:
    """Speed-up of each point over the smallest run, scaled to one device (T(p) / T(p0) * p0)."""
    base = min(points, key=lambda p: p.devices)
    return [p.throughput / base.throughput * base.devices for p in points]


def plot(paths: list[Path], output: Path, title: str | None = None) -> Path:
    """Draw the two panels for the runs in `paths` into `output` (.png or .svg); returns the path."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter

    from envkit.fsutil import check_output

    if output.suffix.lower() not in (".png", ".svg", ".pdf"):
        raise EnvkitError(f"-o {output}: expected a .png, .svg or .pdf file name")
    check_output(output, "-o")
    from envkit.errors import printable

    points = sorted((load_run(p) for p in paths), key=lambda m: m.devices)
    if not points:
        raise EnvkitError("no runs to plot")
    devices = [p.devices for p in points]
    base = points[0]
    speed = speedups(points)
    sites = sorted({p.site for p in points})
    hashes = sorted({p.manifest_hash for p in points if p.manifest_hash}) or ["none (native run)"]
    unit_name = "GPUs" if any("cuda" in p.device.lower() or "gpu" in p.device.lower() for p in points) else "ranks"
    plt.rcParams.update({"font.size": 10, "axes.grid": True, "grid.alpha": 0.3})
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4.2), constrained_layout=True)

    ideal_epoch = [base.epoch_s * base.devices / d for d in devices]
    left.plot(devices, [p.epoch_s / 60 for p in points], "o-", color="tab:blue", label="measured")
    left.plot(devices, [t / 60 for t in ideal_epoch], "--", color="0.5", label="ideal strong scaling")
    left.set_xscale("log", base=2)
    left.set_yscale("log")
    plain = FuncFormatter(lambda value, _pos: f"{value:g}")
    left.yaxis.set_major_formatter(plain)
    left.yaxis.set_minor_formatter(plain)
    left.set_xticks(devices, [str(d) for d in devices])
    left.set_xlabel(f"number of {unit_name}")
    how = "measured" if all(p.epoch_measured for p in points) else "samples per epoch / measured throughput"
    left.set_ylabel(f"time per epoch (min)\n({how})")
    left.set_title("(a) time per epoch")
    left.legend(loc="upper right")

    right.errorbar(devices, [p.throughput for p in points], yerr=[p.ci95 for p in points], fmt="o-",
                   color="tab:red", capsize=3, label="measured (mean ± 95 % CI)")
    right.plot(devices, [base.throughput / base.devices * d for d in devices], "--", color="0.5",
               label="ideal (linear)")
    for p, s in zip(points, speed, strict=True):
        right.annotate(f"×{s:.2f}\n{s / p.devices:.0%}", (p.devices, p.throughput), textcoords="offset points",
                       xytext=(6, -22), fontsize=8)
    right.set_xscale("log", base=2)
    right.set_xticks(devices, [str(d) for d in devices])
    right.set_xlabel(f"number of {unit_name}")
    right.set_ylabel(f"throughput ({base.unit})")
    right.set_title("(b) throughput, speed-up (×) and efficiency (%)")
    right.legend(loc="upper left")

    workload = ", ".join(sorted({p.workload for p in points}))
    fig.suptitle(printable(title or f"{workload} data-parallel scaling on {', '.join(sites)}"), fontsize=12,
                 usetex=False, parse_math=False)   # a title is text: `$` is no mathtext
    stamp = (f"site {', '.join(sites)} · engine {', '.join(sorted({p.engine for p in points}))} · image "
             f"{', '.join(hashes)} · device {points[0].device or '?'} · drawn "
             f"{dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC by envkit plot")
    fig.text(0.5, -0.02, printable(stamp), ha="center", va="top", fontsize=7.5, color="0.35", parse_math=False)
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_name(f".{output.name}.tmp{output.suffix}")
    try:
        fig.savefig(tmp, dpi=150, bbox_inches="tight")
    except OSError as exc:
        plt.close(fig)
        tmp.unlink(missing_ok=True)
        raise EnvkitError(f"cannot write the figure ({exc.strerror or exc})", file=str(output)) from None
    plt.close(fig)
    tmp.replace(output)
    return output

"""Reference curves held in CI: small, fixed CPU runs of AI-GW and AI-DES whose test metrics must stay
inside committed bands, so a change that moves the science (e.g. scaling each waveform to peak 1) fails.

A reference is a fixed data set (generated once from a seed and cached: `ENVKIT_REFERENCE_CACHE`,
default ~/.cache/envkit/reference), a fixed runner command run natively (no container), and seeds 0, 1, 2.
The band of a metric is [min, max] over the seeds, widened on each side by half the spread plus 10 % of
the mean's magnitude (three seeds say little about the tails: the margin is a stated choice, not a
confidence interval). `tests/workloads/reference_bands.json` holds the bands with the command and
when they were measured; `docs/figures/reference-*.png` shows them.

    python -m envkit.evaluate.reference run aigw --seeds 0 1 2 --out /tmp/ref   # the reference runs
    python -m envkit.evaluate.reference bands aigw /tmp/ref                        # bands.json + figure
    python -m envkit.evaluate.reference check aigw /tmp/ref/aigw-seed0             # inside the bands?

Example:
    >>> band([0.20, 0.22, 0.24])
    [0.158, 0.282]
    >>> outside({"mae_q": 0.5}, {"mae_q": [0.1, 0.3]})
    ['mae_q 0.5 outside [0.1, 0.3]']
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
BANDS = ROOT / "tests" / "workloads" / "reference_bands.json"
FIGURES = ROOT / "docs" / "figures"

# Each reference: its data set (envkit.data generator arguments) and the runner's arguments.
REFERENCES: dict[str, dict[str, Any]] = {
    "aigw": {"data": {"n": 1200, "preset": "smoke", "seed": 0},
             "args": ["aigw", "--epochs", "1", "--batch", "16", "--workers", "0"],
             "metrics": ("mae_q", "mae_s1", "mae_s2", "mae_chi_eff", "overlap_flat", "overlap_psd",
                         "peak_amplitude_spread")},
    "aides": {"data": {"n": 800, "size": 64, "seed": 0},
              "args": ["aides", "--steps", "60", "--batch", "16", "--workers", "0"],
              "metrics": ("accuracy", "auc", "baseline_radial_accuracy")},
}


def cache_dir() -> Path:
    return Path(os.environ.get("ENVKIT_REFERENCE_CACHE") or Path.home() / ".cache" / "envkit" / "reference")


def data_set(name: str, amplitude: str = "raw") -> Path:
    """The reference's data set, generated on first use (deterministic in its seed) and cached."""
    spec = REFERENCES[name]["data"]
    if name == "aigw":
        from envkit.data import aigw

        out = cache_dir() / f"aigw-{spec['n']}-{spec['preset']}-s{spec['seed']}" \
            f"{'' if amplitude == 'raw' else '-' + amplitude}"
        aigw.generate(spec["n"], out, preset=spec["preset"], seed=spec["seed"], workers=1, amplitude=amplitude)
    else:
        from envkit.data import aides

        out = cache_dir() / f"aides-{spec['n']}-{spec['size']}-s{spec['seed']}"
        if not (out / "manifest.json").is_file():
            aides.generate(spec["n"], out, size=spec["size"], seed=spec["seed"], workers=1)
    return out


def band(values: list[float]) -> list[float]:
    """[min, max] widened by half the spread plus 10 % of the mean's magnitude on each side."""
    lo, hi = float(min(values)), float(max(values))
    margin = 0.5 * (hi - lo) + 0.1 * abs(float(np.mean(values)))
    return [round(lo - margin, 4), round(hi + margin, 4)]


def outside(metrics: dict[str, float], bands: dict[str, list[float]]) -> list[str]:
    """The metrics outside their bands, one line each (empty: all inside)."""
    return [f"{k} {metrics[k]:.4g} outside [{lo:.4g}, {hi:.4g}]" for k, (lo, hi) in bands.items()
            if not lo <= metrics[k] <= hi]


def radial_baseline(data: Path) -> float:
    """Test accuracy of a linear classifier (least squares on +-1 labels) on each stamp's azimuthally
    averaged radial profile: how far concentration alone goes on this data set."""
    import h5py

    def profiles(split: str) -> tuple[np.ndarray, np.ndarray]:
        with h5py.File(data / f"{split}.h5", "r") as f:
            x, y = f["x"][:], f["y"][:]
        size = x.shape[-1]
        c = (size - 1) / 2
        yy, xx = np.mgrid[:size, :size]
        ring = np.minimum((np.hypot(xx - c, yy - c)).astype(int), size // 2 - 1).ravel()
        counts = np.bincount(ring, minlength=size // 2)
        prof = np.stack([np.bincount(ring, img.ravel(), minlength=size // 2) / counts for img in x])
        return np.column_stack([prof, np.ones(len(prof))]), y

    a, y = profiles("train")
    w, *_ = np.linalg.lstsq(a, 2.0 * y - 1.0, rcond=None)
    b, t = profiles("test")
    return float(((b @ w > 0).astype(int) == t).mean())


def peak_amplitude_spread(data: Path) -> float:
    """Standard deviation of log10(peak |h|) over the test set: the published data keep r h22 / M, whose peak
    falls with the mass ratio (about 0.14 dex over the smoke set); waveforms scaled to peak 1 give 0. A
    property of the data set, so it moves only when the data do, whatever the training's noise."""
    import h5py

    with h5py.File(data / "test.h5", "r") as f:
        peaks = np.abs(f["x"][:]).max(axis=1)
    return float(np.std(np.log10(np.maximum(peaks, np.finfo(np.float32).tiny))))


def metrics_of(name: str, run_dir: Path, data: Path | None = None) -> dict[str, float]:
    """The reference metrics of a finished run (its evaluation.json)."""
    ev = json.loads((run_dir / "evaluation.json").read_text())
    rep = ev["report"]
    if name == "aigw":
        e = rep["errors"]
        out = {"mae_q": e["q"]["mae"], "mae_s1": e["s1"]["mae"], "mae_s2": e["s2"]["mae"],
               "mae_chi_eff": e["chi_eff"]["mae"], "overlap_flat": rep["overlap"]["mean"],
               "overlap_psd": rep["overlap"]["psd_weighted"]["mean"]}
        if data is not None:
            out["peak_amplitude_spread"] = peak_amplitude_spread(data)
        return out
    out = {"accuracy": rep["accuracy"], "auc": rep["auc"]}
    if data is not None:
        out["baseline_radial_accuracy"] = radial_baseline(data)
    return out


def run(name: str, seed: int, out: Path, amplitude: str = "raw") -> dict[str, float]:
    """One reference run (natively, in this process) and its metrics."""
    from envkit.train import runner
    from envkit.train.config import parse_args

    data = data_set(name, amplitude)
    run_id = f"{name}-seed{seed}" + ("" if amplitude == "raw" else f"-{amplitude}")
    runner.run(parse_args([*REFERENCES[name]["args"], "--data", str(data), "--seed", str(seed),
                           "--results", str(out), "--run-id", run_id]))
    return metrics_of(name, out / run_id, data)


def write_bands(name: str, runs: list[Path], when: str) -> dict[str, Any]:
    """Bands over the runs into reference_bands.json (other workloads' entries kept) and the figure."""
    data = data_set(name)
    per = [metrics_of(name, r, data) for r in runs]
    bands = {k: band([m[k] for m in per]) for k in REFERENCES[name]["metrics"]}
    doc = json.loads(BANDS.read_text()) if BANDS.is_file() else {}
    doc[name] = {"bands": bands, "seeds": {r.name: m for r, m in zip(runs, per, strict=True)},
                 "data": REFERENCES[name]["data"], "runner": REFERENCES[name]["args"], "measured": when,
                 "rule": "[min, max] over the seeds, widened by half the spread + 10 % of |mean| each side"}
    BANDS.write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n")
    figure(name, runs, per, bands, FIGURES / f"reference-{name}.png")
    return doc[name]


def figure(name: str, runs: list[Path], per: list[dict[str, float]], bands: dict[str, list[float]],
           path: Path) -> None:
    """Validation curves of each seed, and each metric's seeds inside its band."""
    from envkit.evaluate.plots import pyplot, save

    plt = pyplot()
    keys = list(bands)
    fig, axes = plt.subplots(1, len(keys) + 1, figsize=(3.0 * (len(keys) + 1), 3.2))
    ax = axes[0]
    for r in runs:
        from envkit.records import metrics as metrics_file

        record = metrics_file.read(r / metrics_file.FILENAME)
        ax.plot([e.epoch for e in record.epochs], [e.value("val_loss") for e in record.epochs], "o-", label=r.name)
    ax.set(xlabel="epoch", ylabel="val_loss", title=f"{name} reference runs")
    ax.legend(fontsize=7)
    for ax, k in zip(axes[1:], keys, strict=True):
        lo, hi = bands[k]
        ax.axhspan(lo, hi, color="tab:green", alpha=0.2, label="band")
        ax.plot(range(len(per)), [m[k] for m in per], "ko")
        ax.set(title=k, xlabel="seed", xticks=range(len(per)))
    fig.tight_layout()
    save(fig, path)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m envkit.evaluate.reference", description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("name", choices=sorted(REFERENCES))
    r.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    r.add_argument("--out", type=Path, required=True)
    r.add_argument("--amplitude", default="raw", help="AI-GW data: raw (as published) or peak (the old envkit)")
    b = sub.add_parser("bands")
    b.add_argument("name", choices=sorted(REFERENCES))
    b.add_argument("out", type=Path)
    b.add_argument("--when", default="")
    c = sub.add_parser("check")
    c.add_argument("name", choices=sorted(REFERENCES))
    c.add_argument("run_dir", type=Path)
    a = p.parse_args(argv)
    if a.cmd == "run":
        for seed in a.seeds:
            print(json.dumps({"seed": seed, **run(a.name, seed, a.out, a.amplitude)}), flush=True)
    elif a.cmd == "bands":
        runs = sorted(d for d in a.out.glob(f"{a.name}-seed[0-9]") if (d / "evaluation.json").is_file())
        print(json.dumps(write_bands(a.name, runs, a.when)["bands"]))
    else:
        bands = json.loads(BANDS.read_text())[a.name]["bands"]
        bad = outside(metrics_of(a.name, a.run_dir, data_set(a.name)), bands)
        print("\n".join(bad) or "inside every band")
        return 1 if bad else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())

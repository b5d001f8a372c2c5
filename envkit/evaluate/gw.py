"""AI-GW evaluation: errors of q, s1, s2, chi_eff and S_eff, binned over q and chi_eff, and the overlap
between the waveforms of the true and the predicted parameters.

The overlap is the AI-GW paper's measure of how much a parameter error matters (Khan, Huerta, Das
2020): the (2,2) modes of both parameter sets are drawn with lalsimulation (IMRPhenomXAS, as
envkit.data.aigw generates the data) on the run's time grid, and
O = max over time and phase shifts of |<h_true, h_pred>| / (|h_true| |h_pred|), with a flat noise
spectrum (the training data are noise-free and not whitened); the maximum over phase is the modulus
of the complex inner product, the maximum over time shifts an FFT cross-correlation. Predicted
parameters outside the generator's range are clipped into it first (q in [1, 8], spins in
[-0.8, 0.8]), and said so (`clipped`).

Example:
    >>> import numpy as np
    >>> t = np.array([[2.0, 0.1, 0.2, 0.1333, 0.5]]); p = t + 0.1
    >>> errors(p, t)["q"]["mae"]
    0.1
    >>> round(overlap(np.exp(1j * np.arange(64) / 3), np.exp(1j * (np.arange(64) / 3 + 1))), 6)
    1.0
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from envkit.evaluate.plots import pyplot, save

TARGETS = ("q", "s1", "s2", "chi_eff", "S_eff")
Q_BINS = np.arange(1.0, 9.0, 1.0)
CHI_BINS = np.linspace(-0.8, 0.8, 9)


def errors(pred: np.ndarray, true: np.ndarray) -> dict[str, dict[str, float]]:
    """Per target: mean absolute, root-mean-square, median absolute and 90th-percentile absolute error,
    and the mean relative error for q."""
    out: dict[str, dict[str, float]] = {}
    for i, name in enumerate(TARGETS):
        err = pred[:, i] - true[:, i]
        a = np.abs(err)
        out[name] = {"mae": round(float(a.mean()), 6), "rmse": round(float(np.sqrt((err ** 2).mean())), 6),
                     "median_abs": round(float(np.median(a)), 6), "p90_abs": round(float(np.percentile(a, 90)), 6),
                     "bias": round(float(err.mean()), 6)}
    out["q"]["mean_relative"] = round(float((np.abs(pred[:, 0] - true[:, 0]) / true[:, 0]).mean()), 6)
    return out


def binned(pred: np.ndarray, true: np.ndarray, column: int, edges: np.ndarray) -> list[dict[str, Any]]:
    """Mean absolute error of every target in bins of the true value of `column`."""
    idx = np.clip(np.digitize(true[:, column], edges) - 1, 0, len(edges) - 2)
    rows = []
    for b in range(len(edges) - 1):
        sel = idx == b
        row: dict[str, Any] = {"lo": round(float(edges[b]), 4), "hi": round(float(edges[b + 1]), 4),
                               "n": int(sel.sum())}
        for i, name in enumerate(TARGETS):
            row[f"mae_{name}"] = round(float(np.abs(pred[sel, i] - true[sel, i]).mean()), 6) if sel.any() else None
        rows.append(row)
    return rows


def overlap(h1: np.ndarray, h2: np.ndarray) -> float:
    """Flat-noise overlap of two complex series, maximised over time (cyclic shifts with zero padding)
    and phase."""
    n = 1 << int(np.ceil(np.log2(2 * len(h1))))
    corr = np.fft.ifft(np.fft.fft(h1, n) * np.conj(np.fft.fft(h2, n)))
    norm = np.sqrt(np.vdot(h1, h1).real * np.vdot(h2, h2).real)
    return float(np.abs(corr).max() / norm) if norm > 0 else float("nan")


def _grid_preset(length: int) -> str | None:
    from envkit.data import aigw

    for name, g in aigw.PRESETS.items():
        if len(g.times()) == length:
            return name
    return None


def overlaps(pred: np.ndarray, true: np.ndarray, length: int, limit: int = 64) -> dict[str, Any]:
    """Overlaps for the first `limit` test samples (lalsimulation waveforms take milliseconds each)."""
    from envkit.data import aigw

    preset = _grid_preset(length)
    if preset is None:
        return {"skipped": f"no AI-GW time grid has {length} samples (have "
                           f"{', '.join(f'{k} {len(g.times())}' for k, g in aigw.PRESETS.items())})"}
    k = min(limit, len(true))
    values, failed, clipped = [], 0, 0
    for i in range(k):
        q, s1, s2 = (float(v) for v in pred[i, :3])
        cq, c1, c2 = float(np.clip(q, *aigw.Q_RANGE)), *(float(np.clip(s, *aigw.SPIN_RANGE)) for s in (s1, s2))
        clipped += (cq, c1, c2) != (q, s1, s2)
        try:
            tq, ts1, ts2 = (float(v) for v in true[i, :3])
            ht = aigw.mode22(tq, ts1, ts2, preset)
            hp = aigw.mode22(cq, c1, c2, preset)
        except (RuntimeError, ValueError):
            failed += 1
            continue
        values.append(overlap(ht, hp))
    v = np.array(values)
    return {"approximant": aigw.APPROXIMANT, "grid": preset, "noise": "flat (noise-free, unwhitened data)",
            "n": int(len(v)), "failed": failed, "clipped": int(clipped),
            "mean": round(float(v.mean()), 6) if len(v) else None,
            "median": round(float(np.median(v)), 6) if len(v) else None,
            "min": round(float(v.min()), 6) if len(v) else None,
            "fraction_above_0.99": round(float((v > 0.99).mean()), 4) if len(v) else None,
            "values": [round(float(x), 6) for x in v]}


def report(pred: np.ndarray, true: np.ndarray, length: int, out_dir: str | os.PathLike[str] | None = None,
           overlap_limit: int = 64, title: str = "", waveforms: bool = True) -> dict[str, Any]:
    """The AI-GW evaluation (module docstring); `parameters.png` when `out_dir` is given. With
    `waveforms` false (synthetic chirps, not GR waveforms) no overlap is computed: the parameters of a
    chirp name no IMRPhenomXAS waveform it could be compared with."""
    out: dict[str, Any] = {"n": int(len(true)), "errors": errors(pred, true),
                           "binned_by_q": binned(pred, true, 0, Q_BINS),
                           "binned_by_chi_eff": binned(pred, true, 3, CHI_BINS)}
    out["overlap"] = overlaps(pred, true, length, overlap_limit) if waveforms else \
        {"skipped": "synthetic chirps: their parameters name no GR waveform (overlap only for envkit data aigw sets)"}
    if out_dir is not None:
        _plot(pred, true, out, Path(out_dir) / "parameters.png", title)
        out["figure"] = "parameters.png"
    return out


def _plot(pred: np.ndarray, true: np.ndarray, rep: dict[str, Any], path: Path, title: str) -> None:
    plt = pyplot()
    fig, axes = plt.subplots(2, 3, figsize=(12, 7.2))
    for i, name in enumerate(TARGETS):
        ax = axes.flat[i]
        ax.scatter(true[:, i], pred[:, i], s=6, alpha=0.6)
        lo, hi = float(min(true[:, i].min(), pred[:, i].min())), float(max(true[:, i].max(), pred[:, i].max()))
        ax.plot([lo, hi], [lo, hi], "k:", lw=1)
        e = rep["errors"][name]
        ax.set(xlabel=f"true {name}", ylabel=f"predicted {name}",
               title=f"{name}: MAE {e['mae']:.3g}, RMSE {e['rmse']:.3g}")
    ax = axes.flat[5]
    ov = rep["overlap"]
    if ov.get("values"):
        ax.hist(ov["values"], bins=np.linspace(min(ov["values"] + [0.9]), 1.0, 30))
        ax.set(xlabel="overlap(true, predicted)", ylabel="test waveforms",
               title=f"overlap: mean {ov['mean']:.4f}, n {ov['n']}")
    else:
        ax.text(0.5, 0.5, ov.get("skipped", "no overlaps"), ha="center", va="center", wrap=True, fontsize=8)
        ax.axis("off")
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    save(fig, path)

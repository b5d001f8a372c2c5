"""AI-GW evaluation: errors of q, s1, s2, chi_eff and S_eff, binned over q and chi_eff, and the overlap
between the waveforms of the true and the predicted parameters.

The overlap is the AI-GW paper's measure of how much a parameter error matters (Khan, Huerta, Das
2020): the (2,2) modes of both parameter sets are drawn with lalsimulation (IMRPhenomXAS, as
envkit.data.aigw generates the data) on the run's time grid, and
O = max over time and phase shifts of |<h_true, h_pred>| / (|h_true| |h_pred|), with a flat noise
spectrum (the training data are noise-free and not whitened); the maximum over phase is the modulus
of the complex inner product, the maximum over time shifts an FFT cross-correlation. Beside it, labelled,
the noise-weighted overlap a detector would see: the same waveforms at a stated total mass (60 solar
masses, envkit.data.aigw.TOTAL_MASS), weighted by the aLIGO design PSD (lalsimulation's P1200087) from
20 Hz. Predicted
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


PSD_F_LOW = 20.0  # Hz: where the noise-weighted overlap starts


def overlap_psd(h1: np.ndarray, h2: np.ndarray, dt_m: float, total_mass: float, f_low: float = PSD_F_LOW) -> float:
    """Overlap of two complex series sampled every `dt_m` M, at total mass `total_mass` (solar masses),
    weighted by the aLIGO design PSD from `f_low` Hz; maximised over time and phase. The first 5 % of
    each series is tapered (the grid's abrupt start would leak power to low frequencies).

    >>> t = np.arange(4096.0); h = np.exp(-1j * 0.02 * t * (1 + t / 4096)) * (1 + t / 1024)
    >>> round(overlap_psd(h, h * np.exp(0.7j), 1.0, 60.0), 6)
    1.0
    """
    from lal import MTSUN_SI

    from envkit.data import aigw

    n = 1 << int(np.ceil(np.log2(2 * len(h1))))
    m = max(len(h1) // 20, 1)
    taper = np.ones(len(h1))
    taper[:m] = 0.5 - 0.5 * np.cos(np.pi * np.arange(m) / m)
    step = dt_m * total_mass * MTSUN_SI
    psd = aigw.aligo_psd(np.fft.rfftfreq(n, step), f_low)
    k = np.arange(n)
    weight = 1.0 / psd[np.minimum(k, n - k)]  # |f| of each FFT bin; inf PSD -> weight 0
    a, b = np.fft.fft(h1 * taper, n), np.fft.fft(h2 * taper, n)
    corr = np.fft.ifft(a * np.conj(b) * weight)
    norm = np.sqrt(np.sum(np.abs(a) ** 2 * weight) * np.sum(np.abs(b) ** 2 * weight)) / n
    return float(np.abs(corr).max() / norm) if norm > 0 else float("nan")


def _stats(v: np.ndarray) -> dict[str, Any]:
    return {"n": int(len(v)), "mean": round(float(v.mean()), 6) if len(v) else None,
            "median": round(float(np.median(v)), 6) if len(v) else None,
            "min": round(float(v.min()), 6) if len(v) else None,
            "fraction_above_0.99": round(float((v > 0.99).mean()), 4) if len(v) else None,
            "values": [round(float(x), 6) for x in v]}


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
    values, weighted, failed, clipped = [], [], 0, 0
    dt = aigw.grid(preset).dt
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
        weighted.append(overlap_psd(ht, hp, dt, aigw.TOTAL_MASS))
    return {"approximant": aigw.APPROXIMANT, "grid": preset, "failed": failed, "clipped": int(clipped),
            "noise": "flat PSD (noise-free, unwhitened data, as trained)", **_stats(np.array(values)),
            "psd_weighted": {"noise": f"aLIGO design PSD (lalsimulation P1200087) from {PSD_F_LOW:g} Hz",
                             "total_mass_msun": aigw.TOTAL_MASS, **_stats(np.array(weighted))}}


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

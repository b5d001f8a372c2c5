"""AI-GW training data: aligned-spin binary-black-hole waveforms in geometric units, with their targets.

The paper (Khan, Huerta, Das 2020) used the real part of the (2,2) mode of NRHybSur3dq8 on
t/M in np.arange(-10000, 130, 0.1), peak amplitude at t = 0. That surrogate needs data files that are
downloaded at run time, so envkit uses lalsimulation's IMRPhenomXAS, an aligned-spin model of the
(2,2) mode only. XAS has no time-domain mode interface (`SimInspiralChooseTDModes` refuses it), so the
mode comes from `SimInspiralChooseTDWaveform` at inclination 0: there only the (2,2) harmonic is
non-zero (the spin-weighted harmonic -2Y_{2,-2} vanishes at the pole), so
h+ - i hx = h22 * -2Y22(0, phi), with |-2Y22(0, phi)| = sqrt(5 / (4 pi)). The mode is returned as the
authors trained on it: the raw amplitude r h22 / M (r and M in seconds; about 0.39 at the peak for equal
masses, smaller for unequal ones: the amplitude carries q), peak moved to t = 0 (cubic interpolation of
amplitude and unwrapped phase onto the grid); phase 0 at the peak (an envkit convention: the surrogate's
own phase reference is not reproduced). `amplitude="peak"` scales each waveform to peak 1 instead (what
envkit did before issue #25: it throws away the amplitude; kept to show the reference bands catch it).

Targets (Khan, Huerta, Das 2020, arXiv:2004.09524): q, and [s1, s2, chi_eff, S_eff] with chi_eff = (q s1 + s2)/(q + 1),
S_eff = sigma1 s1 + sigma2 s2, sigma1 = 1 + 3/(4q), sigma2 = 1 + 3q/4.

Example:
    >>> times("paper").shape
    (101300,)
    >>> targets(1.0, 0.0, 0.0).tolist()
    [1.0, 0.0, 0.0, 0.0, 0.0]
"""

from __future__ import annotations

import json
import math
import multiprocessing as mp
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from envkit.data.atomic import atomic_path, write_json
from envkit.data.splits import SPLITS, finish, split_sizes, write_chunk_file  # noqa: F401  (SPLITS re-exported)

APPROXIMANT = "IMRPhenomXAS"
Q_RANGE = (1.0, 8.0)
SPIN_RANGE = (-0.8, 0.8)
TARGETS = ("q", "s1", "s2", "chi_eff", "S_eff")
PARAMS = ("q", "s1z", "s2z", "snr")
TOTAL_MASS = 60.0  # solar masses; cancels out in geometric units (sets the Hz scale of the noise mode)
DISTANCE_MPC = 1.0  # cancels out in r h / M
AMPLITUDES = ("raw", "peak")  # r h22 / M as published, or each waveform scaled to peak 1 (not published)


@dataclass(frozen=True)
class Grid:
    """A time grid in units of the total mass M: np.arange(start, stop, dt)."""

    start: float
    stop: float
    dt: float

    def times(self) -> np.ndarray:
        """The grid's times, t/M."""
        return np.arange(self.start, self.stop, self.dt)


PRESETS: dict[str, Grid] = {
    "paper": Grid(-10000.0, 130.0, 0.1),  # 101,300 samples, as published
    "smoke": Grid(-2000.0, 48.0, 1.0),  # 2,048 samples: the last 2,000 M and the ring-down
}


def grid(preset: str) -> Grid:
    """The time grid of a preset (`paper` or `smoke`)."""
    try:
        return PRESETS[preset]
    except KeyError:
        raise ValueError(f"unknown AI-GW preset {preset!r} (choose from {', '.join(PRESETS)})") from None


def times(preset: str = "paper") -> np.ndarray:
    """t/M of a preset's samples."""
    return grid(preset).times()


def effective_spins(q: Any, s1: Any, s2: Any) -> tuple[Any, Any]:
    """chi_eff and S_eff for mass ratio q = m1/m2 >= 1 and aligned spins s1 (heavier), s2.

    >>> [round(v, 4) for v in effective_spins(4.0, 0.2, -0.4)]
    [0.08, -1.3625]
    """
    chi_eff = (q * s1 + s2) / (q + 1.0)
    sigma1 = 1.0 + 3.0 / (4.0 * q)
    sigma2 = 1.0 + 3.0 * q / 4.0
    return chi_eff, sigma1 * s1 + sigma2 * s2


def targets(q: Any, s1: Any, s2: Any) -> np.ndarray:
    """[q, s1, s2, chi_eff, S_eff] (last axis), float32-ready."""
    q, s1, s2 = np.asarray(q, float), np.asarray(s1, float), np.asarray(s2, float)
    chi_eff, s_eff = effective_spins(q, s1, s2)
    return np.stack(np.broadcast_arrays(q, s1, s2, chi_eff, s_eff), axis=-1)


def sample_parameters(n: int, seed: int = 0) -> np.ndarray:
    """(n, 3) array of [q, s1z, s2z]: q uniform in [1, 8], spins uniform in [-0.8, 0.8)."""
    rng = np.random.default_rng(seed)
    q = rng.uniform(*Q_RANGE, size=n)
    s = rng.uniform(*SPIN_RANGE, size=(n, 2))
    return np.column_stack([q, s])


def grid_parameters(dq: float, ds: float) -> np.ndarray:
    """A regular grid over q in [1, 8] (step `dq`) and s1z, s2z in [-0.8, 0.8] (step `ds`), (m, 3).

    >>> grid_parameters(3.5, 0.8).shape, grid_parameters(3.5, 0.8)[-1].tolist()
    ((27, 3), [8.0, 0.8, 0.8])
    """
    q = np.arange(Q_RANGE[0], Q_RANGE[1] + dq / 2, dq)
    s = np.arange(SPIN_RANGE[0], SPIN_RANGE[1] + ds / 2, ds)
    return np.array([(a, b, c) for a in q for b in s for c in s])


def midpoint_parameters(dq: float, ds: float) -> np.ndarray:
    """The midpoints of the grid's cells (no point shared with the grid): a test set between the
    training points, as the grid-midpoint test set of a grid-trained model.

    >>> midpoint_parameters(3.5, 0.8).tolist()[:2]
    [[2.75, -0.4, -0.4], [2.75, -0.4, 0.4]]
    """
    q = np.arange(Q_RANGE[0], Q_RANGE[1] - dq / 2, dq) + dq / 2
    s = np.arange(SPIN_RANGE[0], SPIN_RANGE[1] - ds / 2, ds) + ds / 2
    return np.array([(a, b, c) for a in q for b in s for c in s])


def plan_parameters(n: int, seed: int, layout: str) -> tuple[np.ndarray, dict[str, int]]:
    """All parameters of a data set in file order (train, val, test) and the split sizes: `random`
    draws n and splits 80/10/10; `grid:DQ,DS` trains on the grid (a seeded 10 % of its points held out
    for validation) and tests on the cell midpoints (n is ignored).

    >>> p, sizes = plan_parameters(0, 0, "grid:3.5,0.8"); sizes
    {'train': 25, 'val': 2, 'test': 8}
    """
    if layout == "random":
        return sample_parameters(n, seed), split_sizes(n)
    try:
        kind, steps = layout.split(":")
        dq, ds = (float(v) for v in steps.split(","))
        if kind != "grid" or dq <= 0 or ds <= 0:
            raise ValueError
    except ValueError:
        raise ValueError(f"layout {layout!r}: random, or grid:DQ,DS (e.g. grid:0.1,0.2)") from None
    train = grid_parameters(dq, ds)[np.random.default_rng(seed).permutation(len(grid_parameters(dq, ds)))]
    test = midpoint_parameters(dq, ds)
    n_val = max(1, len(train) // 10)
    return np.concatenate([train, test]), {"train": len(train) - n_val, "val": n_val, "test": len(test)}


def _f_start(q: float, duration: float, total_mass: float) -> float:
    """Start frequency (Hz) whose leading-order time to merger exceeds `duration` (in M)."""
    from lal import MTSUN_SI

    eta = q / (1.0 + q) ** 2
    mf = (5.0 / (256.0 * eta * duration)) ** (3.0 / 8.0) / math.pi
    return mf / (total_mass * MTSUN_SI)


def polarizations(q: float, s1z: float, s2z: float, dt: float, f_min: float,
                  total_mass: float = TOTAL_MASS) -> tuple[np.ndarray, np.ndarray]:
    """(t/M, h+ - i hx) at inclination 0 from lalsimulation (the (2,2) mode up to a constant factor)."""
    import lal
    import lalsimulation as ls

    m1 = total_mass * q / (1.0 + q)
    m2 = total_mass - m1
    step = dt * total_mass * lal.MTSUN_SI
    hp, hc = ls.SimInspiralChooseTDWaveform(
        m1 * lal.MSUN_SI, m2 * lal.MSUN_SI, 0.0, 0.0, s1z, 0.0, 0.0, s2z, 1e6 * lal.PC_SI,
        0.0, 0.0, 0.0, 0.0, 0.0, step, f_min, f_min, None, ls.GetApproximantFromString(APPROXIMANT))
    t = (float(hp.epoch) + np.arange(hp.data.length) * step) / (total_mass * lal.MTSUN_SI)
    return t, hp.data.data - 1j * hc.data.data


def rh_over_m(total_mass: float = TOTAL_MASS, distance_mpc: float = DISTANCE_MPC) -> float:
    """The factor from ChooseTDWaveform's h+ - i hx at inclination 0 (distance `distance_mpc`) to the
    (2,2) mode's r h22 / M: (r / c) / (G M / c^3) / |-2Y22(0, 0)|.

    >>> round(rh_over_m(60.0, 1.0) * 1e-17, 3)
    5.521
    """
    import lal

    r_s = distance_mpc * 1e6 * lal.PC_SI / lal.C_SI
    return r_s / (total_mass * lal.MTSUN_SI) / math.sqrt(5.0 / (4.0 * math.pi))


def to_grid(t: np.ndarray, h: np.ndarray, tgrid: np.ndarray, peak_one: bool = False) -> np.ndarray:
    """Complex h on `tgrid` with its amplitude peak at t = 0 and phase 0 at the peak; its amplitude as
    given, or 1 at the peak with `peak_one`.

    Amplitude and unwrapped phase are interpolated with cubic splines; the grid must lie inside `t`
    after the shift (`ValueError` otherwise).
    """
    from scipy.interpolate import CubicSpline

    amp = np.abs(h)
    k = int(np.argmax(amp))
    t_peak = t[k]
    if 0 < k < len(t) - 1:  # parabola through the three samples around the maximum
        a0, a1, a2 = amp[k - 1], amp[k], amp[k + 1]
        den = a0 - 2.0 * a1 + a2
        if den != 0.0:
            t_peak = t[k] + 0.5 * (a0 - a2) / den * (t[1] - t[0])
    want = tgrid + t_peak
    if want[0] < t[0] or want[-1] > t[-1]:
        raise ValueError(f"waveform covers t/M in [{t[0] - t_peak:.0f}, {t[-1] - t_peak:.0f}], "
                         f"grid needs [{tgrid[0]:.0f}, {tgrid[-1]:.0f}]")
    dt = t[1] - t[0]
    lo = max(int((want[0] - t[0]) / dt) - 3, 0)
    hi = min(int((want[-1] - t[0]) / dt) + 4, len(t))
    seg_t, seg_h = t[lo:hi], h[lo:hi]
    amp_s = CubicSpline(seg_t, np.abs(seg_h))
    phase_s = CubicSpline(seg_t, np.unwrap(np.angle(seg_h)))
    a_peak, ph_peak = float(amp_s(t_peak)), float(phase_s(t_peak))
    return amp_s(want) / (a_peak if peak_one else 1.0) * np.exp(1j * (phase_s(want) - ph_peak))


def mode22(q: float, s1z: float, s2z: float, preset: str = "smoke",
           total_mass: float = TOTAL_MASS, amplitude: str = "raw") -> np.ndarray:
    """Complex (2,2) mode r h22 / M on the preset's grid (see the module docstring); `amplitude="peak"`:
    scaled to peak 1."""
    if amplitude not in AMPLITUDES:
        raise ValueError(f"amplitude {amplitude!r}: choose from {', '.join(AMPLITUDES)}")
    return _mode22(q, s1z, s2z, preset, total_mass, amplitude == "peak")


def _mode22(q: float, s1z: float, s2z: float, preset: str, total_mass: float, peak_one: bool) -> np.ndarray:
    g = grid(preset)
    tgrid = g.times()
    # Start well before the window: ChooseTDWaveform tapers and high-pass filters an FD model's start
    # (at f_min), which spoils the first cycles; 3x the leading-order time keeps errors below ~3e-3.
    duration = 3.0 * (-g.start) + 200.0
    f_min = _f_start(q, duration, total_mass)
    taper = 0.1 * (-g.start) + 100.0  # and never use the tapered start itself
    for _ in range(6):
        t, h = polarizations(q, s1z, s2z, g.dt, f_min, total_mass)
        h = h * rh_over_m(total_mass)
        keep = t >= t[0] + taper
        t, h = t[keep], h[keep]
        try:
            return to_grid(t, h, tgrid, peak_one)
        except ValueError:
            if t[-1] - t[np.argmax(np.abs(h))] < tgrid[-1]:  # ring-down too short: pad with zeros
                t = np.concatenate([t, t[-1] + g.dt * np.arange(1, int(tgrid[-1] / g.dt) + 10)])
                h = np.concatenate([h, np.zeros(len(t) - len(h), complex)])
                try:
                    return to_grid(t, h, tgrid, peak_one)
                except ValueError:
                    pass
            f_min *= 0.8
    raise RuntimeError(f"could not cover the {preset} grid for q={q}, s1z={s1z}, s2z={s2z}")


def waveform(q: float, s1z: float, s2z: float, preset: str = "smoke",
             total_mass: float = TOTAL_MASS, amplitude: str = "raw") -> np.ndarray:
    """Real part of the (2,2) mode r h22 / M on the preset's grid: the model input.

    >>> x = waveform(1.0, 0.0, 0.0, "smoke")  # numerical relativity: |r h22 / M| peaks near 0.39
    >>> x.shape, round(float(abs(x).max()), 2)
    ((2048,), 0.4)
    """
    return mode22(q, s1z, s2z, preset, total_mass, amplitude).real


def aligo_psd(freqs: np.ndarray, f_low: float = 10.0) -> np.ndarray:
    """aLIGO design PSD (P1200087) at `freqs` (uniform from 0), inf below `f_low`."""
    import lal
    import lalsimulation as ls

    df = float(freqs[1] - freqs[0])
    series = lal.CreateREAL8FrequencySeries("psd", 0, 0.0, df, lal.DimensionlessUnit, len(freqs))
    ls.SimNoisePSDaLIGODesignSensitivityP1200087(series, f_low)
    psd = np.array(series.data.data, dtype=float)
    psd[(freqs < f_low) | (psd <= 0)] = np.inf
    return psd


def whitened_with_noise(x: np.ndarray, dt: float, snr: float, rng: np.random.Generator,
                        total_mass: float = TOTAL_MASS) -> np.ndarray:
    """Whiten `x` (sampled every `dt` M) by the aLIGO PSD, scale it to optimal SNR `snr`, add white noise.

    Equivalent to adding coloured Gaussian noise and whitening the sum. Beyond the paper (which trained on
    noise-free waveforms); useful for the realism studies of Shen, Huerta, Zhao 2019.
    """
    from lal import MTSUN_SI

    n = len(x)
    step = dt * total_mass * MTSUN_SI
    taper = np.ones(n)
    m = max(n // 20, 1)
    taper[:m] = 0.5 - 0.5 * np.cos(np.pi * np.arange(m) / m)
    white = np.fft.irfft(np.fft.rfft(x * taper) / np.sqrt(aligo_psd(np.fft.rfftfreq(n, step))), n)
    white *= snr / max(float(np.sqrt(np.sum(white**2))), 1e-300)
    return white + rng.standard_normal(n)


# --------------------------------------------------------------------------- data set generation


@dataclass(frozen=True)
class _Plan:
    n: int
    preset: str
    seed: int
    noise: bool
    chunk: int
    snr: tuple[float, float]
    amplitude: str = "raw"
    layout: str = "random"

    def as_dict(self) -> dict[str, Any]:
        out = {"n": self.n, "preset": self.preset, "seed": self.seed, "noise": self.noise,
               "chunk": self.chunk, "snr": list(self.snr)}
        if self.amplitude != "raw":
            out["amplitude"] = self.amplitude
        return {**out, "layout": self.layout} if self.layout != "random" else out


def _chunk_rows(plan: _Plan, index: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Waveforms, targets and parameters of chunk `index` (deterministic in the plan)."""
    params = plan_parameters(plan.n, plan.seed, plan.layout)[0][index * plan.chunk:(index + 1) * plan.chunk]
    g = grid(plan.preset)
    x = np.empty((len(params), len(g.times())), np.float32)
    snrs = np.zeros(len(params))
    for j, (q, s1, s2) in enumerate(params):
        w = waveform(q, s1, s2, plan.preset, amplitude=plan.amplitude)
        if plan.noise:
            rng = np.random.default_rng([plan.seed, index * plan.chunk + j])
            snrs[j] = rng.uniform(*plan.snr)
            w = whitened_with_noise(w, g.dt, snrs[j], rng)
        x[j] = w
    return x, targets(*params.T).astype(np.float32), np.column_stack([params, snrs]).astype(np.float32)


def _write_chunk(args: tuple[_Plan, int, str]) -> int:
    """Worker: write chunk `index` to `path` (temp name, then rename)."""
    plan, index, path = args
    return write_chunk_file(path, *_chunk_rows(plan, index))


def _assemble(plan: _Plan, chunk_paths: list[Path], out: Path) -> dict[str, int]:
    """Copy the chunks into train/val/test HDF5 files (each written atomically)."""
    import h5py

    sizes = plan_parameters(plan.n, plan.seed, plan.layout)[1]
    length = len(times(plan.preset))
    g = grid(plan.preset)
    begin = 0
    for split, size in sizes.items():
        with atomic_path(out / f"{split}.h5") as tmp, h5py.File(tmp, "w") as f:
            x = f.create_dataset("x", (size, length), np.float32, chunks=(min(16, size), length) if size else None)
            y = f.create_dataset("y", (size, len(TARGETS)), np.float32)
            p = f.create_dataset("params", (size, len(PARAMS)), np.float32)
            f.attrs.update({"targets": json.dumps(TARGETS), "params": json.dumps(PARAMS),
                            "t_start": g.start, "t_stop": g.stop, "dt": g.dt, "preset": plan.preset,
                            "approximant": APPROXIMANT, "noise": plan.noise, "amplitude": plan.amplitude})
            row = 0
            for c, path in enumerate(chunk_paths):
                c0, c1 = c * plan.chunk, min((c + 1) * plan.chunk, plan.n)
                lo, hi = max(c0, begin), min(c1, begin + size)
                if lo >= hi:
                    continue
                with h5py.File(path, "r") as src:
                    sl = slice(lo - c0, hi - c0)
                    x[row:row + hi - lo] = src["x"][sl]
                    y[row:row + hi - lo] = src["y"][sl]
                    p[row:row + hi - lo] = src["params"][sl]
                row += hi - lo
        begin += size
    return sizes


def generate(n: int, out_dir: str | os.PathLike[str], preset: str = "smoke", workers: int | None = None,
             seed: int = 0, noise: bool = False, chunk: int = 64, snr: tuple[float, float] = (20.0, 60.0),
             log: Callable[[str], None] | None = None, amplitude: str = "raw",
             layout: str = "random") -> dict[str, Any]:
    """Generate `n` waveforms into `out_dir`/{train,val,test}.h5 (80/10/10) plus manifest.json.

    Each HDF5 file holds `x` (N, L) float32 waveforms, `y` (N, 5) float32 targets [q, s1, s2, chi_eff,
    S_eff] and `params` (N, 4) [q, s1z, s2z, snr]. Work is split in chunks of `chunk` waveforms over
    `workers` processes; each chunk is written under a temporary name then renamed, so an interrupted
    run resumes where it stopped (same arguments), and a finished one is not redone.

    >>> import tempfile
    >>> m = generate(10, tempfile.mkdtemp(), preset="smoke", workers=1)
    >>> m["splits"]["train"]["n"], m["length"]
    (8, 2048)
    """
    if n < 1 and layout == "random":
        raise ValueError("n must be at least 1")
    grid(preset)
    if amplitude not in AMPLITUDES:
        raise ValueError(f"amplitude {amplitude!r}: choose from {', '.join(AMPLITUDES)}")
    out = Path(out_dir)
    n = len(plan_parameters(n, seed, layout)[0])  # a grid decides its own size
    plan = _Plan(int(n), preset, int(seed), bool(noise), int(chunk), (float(snr[0]), float(snr[1])), amplitude,
                 layout)
    manifest_path = out / "manifest.json"
    if manifest_path.is_file():
        done = json.loads(manifest_path.read_text())
        if done.get("plan") == plan.as_dict():
            return done
        raise ValueError(f"{out} already holds a different AI-GW data set (see {manifest_path})")
    chunks_dir = out / "chunks"
    chunks_dir.mkdir(parents=True, exist_ok=True)
    plan_path = chunks_dir / "plan.json"
    if plan_path.is_file() and json.loads(plan_path.read_text()) != plan.as_dict():
        raise ValueError(f"{chunks_dir} holds chunks of a different plan; remove it or use another folder")
    write_json(plan_path, plan.as_dict())
    n_chunks = math.ceil(n / chunk)
    paths = [chunks_dir / f"chunk-{i:06d}.h5" for i in range(n_chunks)]
    todo = [(plan, i, str(p)) for i, p in enumerate(paths) if not p.is_file()]
    say = log or (lambda s: print(s, file=sys.stderr, flush=True))
    if len(todo) < n_chunks:
        say(f"aigw: resuming, {n_chunks - len(todo)} of {n_chunks} chunks already written")
    workers = max(1, min(workers or os.cpu_count() or 1, len(todo) or 1))
    done_n = 0
    if workers == 1:
        for job in todo:
            done_n += _write_chunk(job)
    else:
        with mp.get_context("spawn").Pool(workers) as pool:
            for k, rows in enumerate(pool.imap_unordered(_write_chunk, todo), 1):
                done_n += rows
                if k % max(1, len(todo) // 10) == 0:
                    say(f"aigw: {k}/{len(todo)} chunks")
    sizes = _assemble(plan, paths, out)
    import lalsimulation

    manifest = {
        "generator": "envkit.data.aigw", "plan": plan.as_dict(), "preset": preset, "n": n,
        "approximant": APPROXIMANT, "lalsimulation": getattr(lalsimulation, "__version__", "unknown"),
        "mode": ("Re r h22 / M (h+ - i hx at inclination 0 over |-2Y22|); peak at t=0, phase 0 at peak"
                 if amplitude == "raw" else "Re h22 scaled to peak amplitude 1 (not as published); peak at t=0"),
        "amplitude": amplitude, "layout": layout,
        "total_mass_msun": TOTAL_MASS, "length": len(times(preset)),
        "grid": {"start": grid(preset).start, "stop": grid(preset).stop, "dt": grid(preset).dt},
        "ranges": {"q": list(Q_RANGE), "s1z": list(SPIN_RANGE), "s2z": list(SPIN_RANGE)},
        "targets": list(TARGETS), "params": list(PARAMS),
        "splits": {s: {"file": f"{s}.h5", "n": k} for s, k in sizes.items()},
    }
    return finish(manifest_path, manifest, paths, plan_path)

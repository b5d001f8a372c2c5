"""AI-DES training data: simulated galaxy stamps of two classes, spiral and elliptical, drawn with GalSim.

The paper (Khan et al. 2019) used DES cutouts labelled by Galaxy Zoo, which are not available offline;
these stamps stand in for them (DES pixel scale 0.263", Moffat PSF, Gaussian noise):

- elliptical: a de Vaucouleurs (Sersic n = 4) profile, sheared (ellipticity 0-0.6, random position angle);
- spiral: an exponential disk with 2-4 logarithmic-spiral arms (GalSim has no spiral profile, so the
  face-on arm pattern is drawn in numpy and fed to `InterpolatedImage`), inclined (cos i in [0.3, 1]),
  rotated, plus a small de Vaucouleurs bulge (5-25 % of the flux).

Sizes scale with the stamp so `size=64` (smoke) and `size=299` (paper, Xception's input) look alike, and both classes
draw their half-light radius from the same range (0.06-0.16 x the stamp): they differ in morphology, not size.
Each stamp is divided by its maximum. Classes are balanced in every split (label = index % 2).

Example:
    >>> import numpy as np
    >>> stamp(0, 32, np.random.default_rng(0)).shape
    (32, 32)
"""

from __future__ import annotations

import json
import math
import multiprocessing as mp
import os
import sys
from pathlib import Path
from typing import Any

import numpy as np

from envkit.data.atomic import atomic_path, write_json
from envkit.data.splits import SPLITS, finish, split_sizes, write_chunk_file  # noqa: F401  (SPLITS re-exported)

CLASSES = ("elliptical", "spiral")  # label = index: folder names sorted, as ImageFolder and Keras'
# flow_from_directory number them (elliptical = 0); envkit.train.sources maps every data set by name
PIXEL_SCALE = 0.263  # arcsec per pixel (DES)
PARAMS = ("size_pix", "shape", "angle", "snr", "psf_fwhm")  # size_pix: half-light radius (elliptical) or disk
# scale length (spiral; half-light radius = 1.678 x it); shape: ellipticity or cos(inclination)


def _spiral_face_on(n: int, h: float, rng: np.random.Generator) -> np.ndarray:
    """n x n face-on disk (scale length h pixels) with logarithmic spiral arms."""
    c = (n - 1) / 2.0
    yy, xx = np.mgrid[0:n, 0:n] - c
    r = np.hypot(xx, yy) + 1e-3
    theta = np.arctan2(yy, xx)
    arms = int(rng.choice([2, 2, 3, 4]))
    pitch = math.radians(rng.uniform(12.0, 30.0))
    amp = rng.uniform(0.6, 1.0)
    phase = arms * (theta - np.log(r / h) / math.tan(pitch)) + rng.uniform(0, 2 * math.pi)
    core = 1.0 - np.exp(-((r / (0.8 * h)) ** 2))  # arms fade toward the centre
    return np.exp(-r / h) * (1.0 + amp * core * np.cos(phase)) ** 2


def stamp(label: int, size: int, rng: np.random.Generator) -> np.ndarray:
    """One noisy, PSF-convolved stamp of class `label` (0 elliptical, 1 spiral: CLASSES), scaled to max 1."""
    return _draw(label, size, rng)[0]


def _draw(label: int, size: int, rng: np.random.Generator) -> tuple[np.ndarray, list[float]]:
    import galsim

    scale = PIXEL_SCALE
    angle = rng.uniform(0.0, math.pi)
    if CLASSES[label] == "elliptical":
        hlr = rng.uniform(0.06, 0.16) * size
        shape = rng.uniform(0.0, 0.6)
        gal = galsim.DeVaucouleurs(half_light_radius=hlr * scale, flux=1.0)
        gal = gal.shear(e=shape, beta=angle * galsim.radians)
    else:
        # the same half-light radius distribution as the ellipticals: the classes differ in morphology
        # (arms, disk profile, bulge), not in size; an exponential disk's half-light radius is 1.678 h
        hlr = rng.uniform(0.06, 0.16) * size / 1.678  # disk scale length h, pixels
        shape = rng.uniform(0.3, 1.0)  # cos(inclination)
        n = 2 * size
        face = galsim.Image(_spiral_face_on(n, hlr, rng), scale=scale)
        bulge_frac = rng.uniform(0.05, 0.25)
        disk = galsim.InterpolatedImage(face, flux=1.0 - bulge_frac, x_interpolant="linear")
        disk = disk.transform(1.0, 0.0, 0.0, shape).rotate(angle * galsim.radians)
        bulge = galsim.DeVaucouleurs(half_light_radius=0.25 * hlr * scale, flux=bulge_frac)
        gal = disk + bulge
    fwhm = rng.uniform(0.7, 1.1)
    psf = galsim.Moffat(beta=rng.uniform(2.5, 4.5), fwhm=fwhm)
    image = galsim.Convolve(gal, psf).drawImage(nx=size, ny=size, scale=scale)
    snr = rng.uniform(80.0, 400.0)
    noise = galsim.GaussianNoise(galsim.BaseDeviate(int(rng.integers(1, 2**31 - 1))))
    image.addNoiseSNR(noise, snr, preserve_flux=True)
    arr = image.array.astype(np.float32)
    arr /= max(float(arr.max()), 1e-12)
    return arr, [hlr, shape, angle, snr, fwhm]


def _chunk_rows(start: int, stop: int, size: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Stamps [start, stop) for a seed (stamp i depends on (seed, i) alone)."""
    x = np.empty((stop - start, size, size), np.float32)
    y = np.empty(stop - start, np.int64)
    p = np.empty((stop - start, len(PARAMS)), np.float32)
    for j, i in enumerate(range(start, stop)):
        y[j] = i % 2
        x[j], params = _draw(int(y[j]), size, np.random.default_rng([seed, i]))
        p[j] = params
    return x, y, p


def _write_chunk(args: tuple[int, int, int, int, str]) -> int:
    """Worker: stamps [start, stop) into `path` (temp name, then rename)."""

    start, stop, size, seed, path = args
    return write_chunk_file(path, *_chunk_rows(start, stop, size, seed))


def generate(n: int, out_dir: str | os.PathLike[str], size: int = 64, seed: int = 0,
             workers: int | None = None, preview: str | os.PathLike[str] | None = None,
             chunk: int = 128) -> dict[str, Any]:
    """Generate `n` stamps into `out_dir`/{train,val,test}.h5 (80/10/10) and manifest.json.

    Each HDF5 file holds `x` (N, size, size) float32, `y` (N,) int64 (0 elliptical, 1 spiral: CLASSES) and
    `params` (N, 5). Work is split in chunks of `chunk` stamps, each written under a temporary name then
    renamed, so an interrupted run resumes where it stopped (same arguments) and memory holds one chunk
    per process, never the whole set; the split files are then assembled chunk by chunk. `preview`
    writes a PNG grid with a row of examples per class.

    >>> import tempfile
    >>> generate(20, tempfile.mkdtemp(), size=32, workers=1)["splits"]["val"]["n"]
    2
    """
    import h5py

    if n < 2:
        raise ValueError("n must be at least 2 (one stamp per class)")
    if size < 16:
        raise ValueError("size must be at least 16 pixels")
    out = Path(out_dir)
    plan = {"n": int(n), "size": int(size), "seed": int(seed), "chunk": int(chunk)}
    manifest_path = out / "manifest.json"
    if manifest_path.is_file():
        done = json.loads(manifest_path.read_text())
        if done.get("plan") == plan:
            return done
        raise ValueError(f"{out} already holds a different AI-DES data set (see {manifest_path})")
    chunks_dir = out / "chunks"
    chunks_dir.mkdir(parents=True, exist_ok=True)
    plan_path = chunks_dir / "plan.json"
    if plan_path.is_file() and json.loads(plan_path.read_text()) != plan:
        raise ValueError(f"{chunks_dir} holds chunks of a different plan; remove it or use another folder")
    write_json(plan_path, plan)
    bounds = [(s, min(s + chunk, n)) for s in range(0, n, chunk)]
    paths = [chunks_dir / f"chunk-{i:06d}.h5" for i in range(len(bounds))]
    todo = [(a, b, size, seed, str(p)) for (a, b), p in zip(bounds, paths, strict=True) if not p.is_file()]
    if len(todo) < len(bounds):
        print(f"aides: resuming, {len(bounds) - len(todo)} of {len(bounds)} chunks already written",
              file=sys.stderr, flush=True)
    workers = max(1, min(workers or os.cpu_count() or 1, len(todo) or 1))
    if workers == 1:
        for job in todo:
            _write_chunk(job)
    else:
        with mp.get_context("spawn").Pool(workers) as pool:
            for _ in pool.imap_unordered(_write_chunk, todo):
                pass
    sizes = split_sizes(n)
    per_class: dict[str, list[int]] = {}
    begin = 0
    for split, k in sizes.items():
        counts = np.zeros(2, np.int64)
        with atomic_path(out / f"{split}.h5") as tmp, h5py.File(tmp, "w") as f:
            x = f.create_dataset("x", (k, size, size), np.float32, chunks=(min(16, k), size, size) if k else None)
            y = f.create_dataset("y", (k,), np.int64)
            p = f.create_dataset("params", (k, len(PARAMS)), np.float32)
            f.attrs.update({"classes": json.dumps(CLASSES), "params": json.dumps(PARAMS),
                            "pixel_scale": PIXEL_SCALE, "size": size})
            row = 0
            for (c0, c1), path in zip(bounds, paths, strict=True):
                lo, hi = max(c0, begin), min(c1, begin + k)
                if lo >= hi:
                    continue
                with h5py.File(path, "r") as src:
                    sl = slice(lo - c0, hi - c0)
                    x[row:row + hi - lo], y[row:row + hi - lo] = src["x"][sl], src["y"][sl]
                    p[row:row + hi - lo] = src["params"][sl]
                    counts += np.bincount(src["y"][sl], minlength=2)
                row += hi - lo
        per_class[split] = counts.tolist()
        begin += k
    if preview:
        with h5py.File(paths[0], "r") as src:
            save_preview(src["x"][:], src["y"][:], preview)
    import galsim

    manifest = {
        "generator": "envkit.data.aides", "plan": plan, "n": n, "size": size, "seed": seed,
        "classes": list(CLASSES), "pixel_scale_arcsec": PIXEL_SCALE, "galsim": galsim.__version__,
        "params": list(PARAMS),
        "splits": {s: {"file": f"{s}.h5", "n": k, "per_class": per_class[s]} for s, k in sizes.items()},
    }
    return finish(manifest_path, manifest, paths, plan_path)


def save_preview(x: np.ndarray, y: np.ndarray, path: str | os.PathLike[str], per_class: int = 8) -> None:
    """PNG grid: one row per class, `per_class` stamps each (matplotlib, Agg backend)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(len(CLASSES), per_class, figsize=(1.4 * per_class, 1.5 * len(CLASSES)),
                             squeeze=False)
    for c, name in enumerate(CLASSES):
        idx = np.flatnonzero(y == c)[:per_class]
        for j in range(per_class):
            ax = axes[c][j]
            ax.axis("off")
            if j < len(idx):
                ax.imshow(np.arcsinh(3 * x[idx[j]]), cmap="gray", origin="lower")
        axes[c][0].set_title(name, fontsize=9, loc="left")
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=80)
    plt.close(fig)

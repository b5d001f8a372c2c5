"""Before generating a data set: how much disk and time it will take, and whether the disk has room.

Sizes are exact (float32 samples plus targets); the time is an estimate from generating two examples
now, on this machine, divided over the worker processes (said so in the text). AI-GW writes chunks and
then assembles them into train/val/test files, so its peak is about twice the final size.

Example:
    >>> e = aigw_estimate(1_500_000, "paper", workers=1, per_item_s=0.05)
    >>> round(e.final_bytes / 1e9), round(e.peak_bytes / 1e9)
    (608, 1216)
    >>> human_bytes(e.final_bytes)
    '608 GB'
"""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Estimate:
    """What a generation run will need."""

    what: str
    final_bytes: int
    peak_bytes: int
    seconds: float
    workers: int

    def text(self) -> str:
        peak = f" (peak {human_bytes(self.peak_bytes)} while assembling)" if self.peak_bytes > self.final_bytes else ""
        return (f"{self.what}: {human_bytes(self.final_bytes)} on disk{peak}; about {human_seconds(self.seconds)} "
                f"on {self.workers} process(es) (estimate from two examples timed now)")


def human_bytes(n: float) -> str:
    """Decimal units, as disks are sold."""
    for unit in ("B", "kB", "MB", "GB", "TB", "PB"):
        if n < 1000 or unit == "PB":
            return f"{n:.0f} {unit}" if unit in ("B", "kB") or n >= 100 else f"{n:.3g} {unit}"
        n /= 1000
    return f"{n:.0f} PB"


def human_seconds(s: float) -> str:
    """'42 s', '3.5 min', '2.1 h', '4.2 days'."""
    if s < 90:
        return f"{s:.0f} s"
    if s < 5400:
        return f"{s / 60:.1f} min"
    if s < 172800:
        return f"{s / 3600:.1f} h"
    return f"{s / 86400:.1f} days"


def _workers(workers: int | None) -> int:
    return max(1, workers or os.cpu_count() or 1)


def time_aigw(preset: str) -> float:
    """Seconds per waveform on this machine (two waveforms generated now)."""
    from envkit.data import aigw

    aigw.waveform(4.0, 0.0, 0.0, preset)  # the first call loads lalsimulation's tables: not timed
    t0 = time.perf_counter()
    for q, s1, s2 in ((2.0, 0.3, -0.2), (6.0, -0.5, 0.4)):
        aigw.waveform(q, s1, s2, preset)
    return (time.perf_counter() - t0) / 2


def time_aides(size: int) -> float:
    """Seconds per stamp on this machine (one of each class drawn now)."""
    import numpy as np

    from envkit.data import aides

    aides.stamp(0, 16, np.random.default_rng(2))  # imports galsim: not timed
    t0 = time.perf_counter()
    for label in (0, 1):
        aides.stamp(label, size, np.random.default_rng(label))
    return (time.perf_counter() - t0) / 2


def aigw_estimate(n: int, preset: str, workers: int | None = None, per_item_s: float | None = None) -> Estimate:
    """AI-GW: n waveforms of the preset's length, float32, plus 5 targets and 4 parameters each."""
    from envkit.data import aigw

    length = len(aigw.times(preset))
    final = n * (length + 5 + 4) * 4
    w = _workers(workers)
    per = time_aigw(preset) if per_item_s is None else per_item_s
    return Estimate(f"aigw {n:,} waveforms x {length:,} samples ({preset})", final, 2 * final, n * per / w, w)


def aides_estimate(n: int, size: int, workers: int | None = None, per_item_s: float | None = None) -> Estimate:
    """AI-DES: n stamps of size x size float32, plus label and 5 parameters each; written as it goes."""
    final = n * (size * size * 4 + 8 + 5 * 4)
    w = _workers(workers)
    per = time_aides(size) if per_item_s is None else per_item_s
    return Estimate(f"aides {n:,} stamps of {size}x{size}", final, final, n * per / w, w)


def free_bytes(out: str | os.PathLike[str]) -> int:
    """Free bytes on the file system that will hold `out` (its nearest existing parent)."""
    path = Path(out).resolve()
    while not path.exists():
        path = path.parent
    return shutil.disk_usage(path).free


def short_of_disk(estimate: Estimate, out: str | os.PathLike[str], already: int = 0) -> str | None:
    """A one-line reason when the free disk is below the estimate's peak (less what is already written)."""
    need = max(estimate.peak_bytes - already, 0)
    free = free_bytes(out)
    if free >= need:
        return None
    return (f"{out}: {human_bytes(free)} free, {human_bytes(need)} needed for {estimate.what}; free space, "
            "choose another --out, or pass --ignore-disk to start anyway")

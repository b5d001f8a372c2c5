"""Throughput and the run's metrics.json.

Throughput follows Horovod's synthetic benchmark: warm-up steps are not timed, then each logging
interval gives one samples/s figure, reported as mean +- 1.96 sigma over the intervals.

Example:
    >>> t = Throughput()
    >>> t.add(samples=64, seconds=0.5); t.add(samples=64, seconds=0.5)
    >>> t.summary()["mean"], t.summary()["ci95"]
    (128.0, 0.0)
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

from envkit.data.atomic import write_json

FILENAME = "metrics.json"
LOCK_HASH_FILE = "/opt/envkit/manifest/lock-hash.txt"


def mean_ci95(values: list[float]) -> tuple[float, float]:
    """Mean and 1.96 x standard deviation (population) of `values`.

    >>> mean_ci95([1.0, 3.0])
    (2.0, 1.96)
    """
    if not values:
        return float("nan"), float("nan")
    m = sum(values) / len(values)
    sd = math.sqrt(sum((v - m) ** 2 for v in values) / len(values))
    return m, 1.96 * sd


class Throughput:
    """samples/s per timed interval."""

    def __init__(self) -> None:
        self.rates: list[float] = []
        self.samples = 0
        self.seconds = 0.0

    def add(self, samples: int, seconds: float) -> None:
        if seconds > 0 and samples > 0:
            self.rates.append(samples / seconds)
            self.samples += samples
            self.seconds += seconds

    def summary(self) -> dict[str, Any]:
        mean, ci = mean_ci95(self.rates)
        overall = self.samples / self.seconds if self.seconds else float("nan")
        return {"mean": round(mean, 3), "ci95": round(ci, 3), "overall": round(overall, 3),
                "intervals": len(self.rates), "timed_samples": self.samples,
                "timed_seconds": round(self.seconds, 4)}


def write(results_dir: str | os.PathLike[str], record: dict[str, Any]) -> Path:
    """Write results_dir/metrics.json atomically; returns its path."""
    path = Path(results_dir) / FILENAME
    from envkit.records import metrics as model

    if lock_hash():
        record = {"lock_hash": lock_hash(), **record}   # the exact package set: see envkit.lock
    write_json(path, model.dump(json_finite(record)))
    return path


def lock_hash() -> str:
    """The lock the image was built from (written into it by the workload layer), or $ENVKIT_LOCK_HASH, or ''."""
    try:
        return Path(LOCK_HASH_FILE).read_text().strip()
    except OSError:
        return os.environ.get("ENVKIT_LOCK_HASH", "")


def json_finite(obj: Any) -> Any:
    """JSON has no NaN/inf: write them as null."""
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {k: json_finite(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [json_finite(v) for v in obj]
    return obj

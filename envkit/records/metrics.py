"""results/<run>/metrics.json: the one model the runner writes and every command reads.

Adding a field is one line in `Metrics` (or in the nested model it belongs to), with a default so older
files still read. Readers use attributes only (tests/records/test_metrics_contract.py checks every
attribute a reader uses against these models, and refuses `record["key"]` or `.get("key")` on them).

Example:
    >>> m = Metrics.model_validate({"status": "finished", "run_id": "r1", "workload": "aigw", "world_size": 2,
    ...     "throughput": {"unit": "samples/s", "total": {"mean": 10.0, "ci95": 1.0}}})
    >>> m.throughput.total.mean, m.finished, m.summary.loss_end
    (10.0, True, None)
"""

from __future__ import annotations

import os
from typing import Annotated, Any

from pydantic import Field

from envkit.records.base import Count, Number, Part, Positive, Record, Text
from envkit.records.reader import read_model

FILENAME = "metrics.json"
LIMIT = 32 * 1024 * 1024


class PerDevice(Part):
    """samples/s per device: mean and 1.96 sigma over the timed intervals (null when none was timed)."""

    mean: Number | None = None
    ci95: Number | None = None
    overall: Number | None = None
    intervals: Count = 0
    timed_samples: Count = 0
    timed_seconds: Number | None = None


class Total(Part):
    """samples/s summed over the ranks (null when some rank timed no interval)."""

    mean: Number | None = None
    ci95: Number | None = None


class Throughput(Part):
    unit: Text = "samples/s"
    per_device: PerDevice = PerDevice()
    total: Total = Total()


class MetricSpec(Part):
    """The workload's headline metric: its name, last value and whether higher is better."""

    name: Text = "val_loss"
    value: Number | None = None
    mode: Text = "min"


class Epoch(Part):
    """One entry of `epochs`; the validation metrics (val_loss, top1, ...) are extra keys: `value(name)`."""

    epoch: Count = 0
    steps: Count = 0
    partial: bool = False
    time_s: Number | None = None
    samples_per_s_per_device: Number | None = None
    train_loss: Number | None = None
    lr: Number | None = None

    def value(self, name: str) -> float | None:
        """A validation metric of this epoch by name (None when absent or not a number).

        >>> Epoch.model_validate({"epoch": 0, "top1": 0.5}).value("top1")
        0.5
        """
        v = (self.model_extra or {}).get(name, getattr(self, name, None) if name in Epoch.model_fields else None)
        return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None


class Summary(Part):
    """The run in a few numbers (what `envkit run --json` prints)."""

    workload: Text = ""
    preset: Text | None = None
    site: Text | None = None
    engine: Text | None = None
    world_size: Positive | None = None
    dist: Text | None = None
    throughput: Number | None = None
    throughput_per_device: Number | None = None
    throughput_unit: Text = "samples/s"
    loss_start: Number | None = None
    loss_end: Number | None = None
    metric: Text | None = None
    metric_value: Number | None = None
    precision: Text | None = None
    steps: Count | None = None
    manifest_hash: Text | None = None
    results_dir: Text = ""
    test_metric: Number | None = None


class Metrics(Record):
    """metrics.json. Every field one line; defaults so that a file from an older runner still reads."""

    status: Text
    run_id: Text = ""
    workload: Text
    preset: Text | None = None
    site: Text | None = None
    engine: Text | None = None
    manifest_hash: Text | None = None
    lock_hash: Text | None = None
    world_size: Positive
    dist: Text | None = None
    launcher: Text | None = None
    device: Text | None = None
    device_name: Text | None = None
    torch: Text | None = None
    precision: Text | None = None
    channels_last: bool | None = None
    compile: bool | None = None
    batch_per_device: Positive | None = None
    global_batch: Positive | None = None
    lr: Number | None = None
    micro_batches: Positive | None = None
    batchnorm_samples: Count | None = None
    steps: Count = 0
    total_steps: Count | None = None
    steps_per_epoch: Count | None = None
    resumed_from: Count | None = None
    resumed_optimizer_steps: Count | None = None
    data: Text | None = None
    seed: Annotated[int, Field(ge=0, le=2**64)] = 0
    input_shape: list[Count] = Field(default_factory=list)   # one sample's shape, e.g. [1, 8192]
    measured: dict[str, Text] = Field(default_factory=dict)   # how each figure was measured (record.measured)
    workload_path: Text | None = None   # where the runner found it; a record only, never imported
    hyperparameters: dict[str, Any] = Field(default_factory=dict)
    throughput: Throughput = Throughput()
    time_per_epoch_s: list[Number | None] = Field(default_factory=list)
    loss_start: Number | None = None
    loss_end: Number | None = None
    metric: MetricSpec = MetricSpec()
    eval: dict[str, Number | None] = Field(default_factory=dict)
    epochs: list[Epoch] = Field(default_factory=list)
    wall_s: Number | None = None
    summary: Summary = Summary()
    test: dict[str, Any] | None = None

    @property
    def finished(self) -> bool:
        """True once the runner wrote its final record."""
        return self.status == "finished"


def read(path: str | os.PathLike[str]) -> Metrics:
    """A run folder's metrics.json (or the file itself) as `Metrics`, or one EnvkitError line."""
    from pathlib import Path

    p = Path(path)
    return read_model(p / FILENAME if p.is_dir() else p, Metrics, LIMIT)


def dump(record: dict[str, Any]) -> dict[str, Any]:
    """What the runner writes: its record checked against the model (a field it forgot to declare is an
    error here, in the tests, rather than a key no reader knows), with the schema version first."""
    m = Metrics.model_validate({"schema_version": Metrics.SCHEMA_VERSION, **record})
    return m.model_dump(mode="json")

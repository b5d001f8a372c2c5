"""results/<run>/evaluation.json: the held-out test split's numbers (`envkit evaluate`, end of a run).

Example:
    >>> e = Evaluation.model_validate({"run_id": "r", "workload": "aigw", "split": "test", "source": "s",
    ...     "n": 4, "metrics": {"loss": 0.5}})
    >>> e.n, e.metrics["loss"]
    (4, 0.5)
"""

from __future__ import annotations

import os
from typing import Any

from pydantic import Field

from envkit.records.base import Count, Number, Record, Text
from envkit.records.reader import read_model

FILENAME = "evaluation.json"
LIMIT = 64 * 1024 * 1024


class Evaluation(Record):
    """evaluation.json; `report` is the workload's own (confusion matrix, ROC, overlaps...)."""

    run_id: Text | None = None
    workload: Text | None = None
    split: Text = "test"
    source: Text = ""
    n: Count
    metrics: dict[str, Number | None] = Field(default_factory=dict)
    report: dict[str, Any] | None = None
    time_to_target: dict[str, Any] | None = None
    curves: Text | None = None


def read(path: str | os.PathLike[str]) -> Evaluation:
    """An evaluation.json as `Evaluation`, or one EnvkitError line."""
    return read_model(path, Evaluation, LIMIT)

"""results/<run>/job.json: what `envkit submit` recorded about a batch job.

A job id reaches a scheduler's command line (`squeue -j ID`), so it is checked here: digits, letters,
dots, dashes, underscores and brackets (array jobs), never starting with a dash.

Example:
    >>> Job.model_validate({"job_id": "1234", "scheduler": "slurm", "run_id": "r"}).job_id
    '1234'
    >>> from envkit.records.reader import validate
    >>> validate("job.json", {"job_id": "--help", "scheduler": "slurm"}, Job)
    Traceback (most recent call last):
    ...
    envkit.errors.EnvkitError: job.json: job_id: not of the expected form (got '--help')
"""

from __future__ import annotations

import os
from typing import Annotated

from pydantic import StringConstraints

from envkit.records.base import Count, Record, Text
from envkit.records.reader import read_model

FILENAME = "job.json"
LIMIT = 1024 * 1024
JOB_ID = r"^[A-Za-z0-9_.\[\]][A-Za-z0-9_.\[\]+-]{0,127}$"
JobId = Annotated[str, StringConstraints(pattern=JOB_ID)]
Name = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")]


class Job(Record):
    """job.json: one line per field."""

    job_id: JobId | None = None
    scheduler: Name | None = None
    site: Text = ""
    workload: Text = ""
    run_id: Text = ""
    script: Text = ""
    log: Text = ""
    results: Text = ""
    nodes: Count = 0
    submitted: Text = ""


def read(path: str | os.PathLike[str]) -> Job:
    """A job.json as `Job`, or one EnvkitError line."""
    return read_model(path, Job, LIMIT)

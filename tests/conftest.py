"""Session-wide test hooks. With ENVKIT_CI_TIMES=FILE (set by .ci/run) each test's time and markers are appended
to FILE as JSON lines, for the phase table .ci/run prints at the end (scripts/ci_times.py)."""

from __future__ import annotations

import json
import os

import pytest

GROUP_MARKERS = ("slow", "container", "mpi", "slurm", "browser")


@pytest.hookimpl(trylast=True)
def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    path = os.environ.get("ENVKIT_CI_TIMES")
    if not path:
        return
    markers = sorted(name for name in GROUP_MARKERS if name in report.keywords)
    with open(path, "a", encoding="utf-8") as sink:
        sink.write(json.dumps({"test": report.nodeid, "when": report.when, "seconds": round(report.duration, 3),
                               "markers": markers, "outcome": report.outcome}) + "\n")

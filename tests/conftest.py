"""Session-wide test hooks.

- With ENVKIT_CI_TIMES=FILE (set by .ci/run) each test's time and markers are appended to FILE as JSON lines,
  for the phase table .ci/run prints at the end (scripts/ci_times.py). Under pytest-xdist the controller
  writes them (it receives every worker's reports); the workers do not, so no test is counted twice.
- Under pytest-xdist (`-n auto --dist loadgroup`, README's test command) every slow test (and every test of a
  real MPI, container, Slurm or browser, even a quick one) joins one group,
  "serial", that one worker runs in collection order: the slow tests share the image store, the one-node
  Slurm, the namespaces of the two-node cluster and fixed names in them, and some rely on their file's order
  (tests/pipeline/test_charliecloud_real.py restores the shipped image last). The fast tests, hermetic by
  design, spread over the other workers beside them.
"""

from __future__ import annotations

import json
import os

import pytest

GROUP_MARKERS = ("slow", "container", "mpi", "slurm", "browser")


@pytest.hookimpl(trylast=True)
def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    path = os.environ.get("ENVKIT_CI_TIMES")
    if not path or os.environ.get("PYTEST_XDIST_WORKER"):
        return
    markers = sorted(name for name in GROUP_MARKERS if name in report.keywords)
    with open(path, "a", encoding="utf-8") as sink:
        sink.write(json.dumps({"test": report.nodeid, "when": report.when, "seconds": round(report.duration, 3),
                               "markers": markers, "outcome": report.outcome}) + "\n")


SERIAL_GROUP = "serial"
SERIAL_MARKERS = ("slow", "container", "mpi", "slurm", "cluster", "podman", "browser")


@pytest.hookimpl(tryfirst=True)   # before xdist's own hook, which reads the group marks into the test ids
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every slow or real-boundary test into the one serial xdist group (a no-op without xdist)."""
    for item in items:
        if any(item.get_closest_marker(name) is not None for name in SERIAL_MARKERS):
            item.add_marker(pytest.mark.xdist_group(SERIAL_GROUP))

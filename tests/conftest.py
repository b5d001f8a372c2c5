"""Session-wide test hooks.

- With ENVKIT_CI_TIMES=FILE (set by .ci/run) each test's time and markers are appended to FILE as JSON lines,
  for the phase table .ci/run prints at the end (scripts/ci_times.py). Under pytest-xdist the controller
  writes them (it receives every worker's reports); the workers do not, so no test is counted twice.
- Under pytest-xdist (`-n auto --dist loadgroup`, README's test command) every test of a real container,
  MPI, Slurm or browser, and every other slow test outside PARALLEL_SLOW, joins one group, "serial",
  that one worker runs in collection order: those tests share the image store, the one-node Slurm and fixed
  names in them, and some rely on their file's order
  (tests/pipeline/test_charliecloud_real.py restores the shipped image last). The reference runs share their
  data cache; the two-node cluster and the bind model use images and services of their own: each forms a group
  of its own (OWN_GROUPS).
  The rest (the fast set, hermetic by design, and the slow CPU-only training and corpus tests in
  PARALLEL_SLOW, which write only to their own temporary folders) spread over the workers beside them.
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
SERIAL_MARKERS = ("container", "mpi", "slurm", "cluster", "podman", "browser")
# slow tests that run natively (no store, no scheduler, no MPI launcher), each in its own temporary folders
PARALLEL_SLOW = ("tests/workloads/", "tests/robust/test_robust_corpus.py", "tests/test_static_checks.py")
# Groups of their own, each on one worker beside "serial": the reference runs share one data cache
# (~/.cache/envkit/reference). "apart": tests whose images and services no serial test touches: the two-node cluster
# (its own Slurm, network namespaces and envkit-local-cluster* images; munged's start tolerates the one-node Slurm's)
# and the bind model (the local-bind images and the host MPICH tree under /var/tmp/envkit-host-mpich-abi). Their
# builds take the store's engine lock like every build.
OWN_GROUPS = {"tests/workloads/test_reference.py": "reference", "tests/cluster/": "apart",
              "tests/run/test_bind_real.py": "apart"}


def xdist_group_of(item: pytest.Item) -> str | None:
    """The xdist group a test joins, or None when it may run on any worker.

    Example:
        >>> class Fake:
        ...     def __init__(self, nodeid, marks): self.nodeid, self.marks = nodeid, marks
        ...     def get_closest_marker(self, name): return name if name in self.marks else None
        >>> xdist_group_of(Fake("tests/pipeline/test_x.py::t", {"slow"}))
        'serial'
        >>> xdist_group_of(Fake("tests/workloads/test_aides.py::t", {"slow"})) is None
        True
        >>> xdist_group_of(Fake("tests/workloads/test_runner.py::t", {"slow", "mpi"}))
        'serial'
        >>> xdist_group_of(Fake("tests/cluster/test_cluster.py::t", {"slow", "slurm", "cluster"}))
        'apart'
    """
    for prefix, group in OWN_GROUPS.items():
        if item.nodeid.startswith(prefix):
            return group
    if any(item.get_closest_marker(name) is not None for name in SERIAL_MARKERS):
        return SERIAL_GROUP
    if item.get_closest_marker("slow") is not None and not item.nodeid.startswith(PARALLEL_SLOW):
        return SERIAL_GROUP
    return None


@pytest.hookimpl(tryfirst=True)   # before xdist's own hook, which reads the group marks into the test ids
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Each test into its xdist group (xdist_group_of; a no-op without xdist)."""
    for item in items:
        group = xdist_group_of(item)
        if group is not None:
            item.add_marker(pytest.mark.xdist_group(group))

"""Markers and fixtures for the workload/runner tests."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))  # wl_helpers, whatever pytest's import mode

from wl_helpers import FIXTURES  # noqa: E402

# Workload fixtures are data for the tests (model.py files share a name), not test modules or doctests.
collect_ignore = ["fixtures"]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: takes more than a few seconds (deselect with -m 'not slow')")
    config.addinivalue_line("markers", "mpi: launches real MPI processes")


@pytest.fixture
def tiny() -> str:
    """Path of the tiny test workload."""
    return str(FIXTURES / "tiny")

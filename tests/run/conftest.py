"""Fixtures for `envkit run` tests: the envkit command in a new process, a shared image store, Slurm."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from envkit_cli import envkit_process

from .slurm_cluster import missing_tools, one_node_slurm

STORE = Path(os.environ.get("ENVKIT_TEST_STORE", "/var/tmp/envkit-test-store"))


def envkit(*args: str, env: dict[str, str] | None = None, timeout: float = 3600) -> subprocess.CompletedProcess[str]:
    """Run the envkit command line in a new process, as a user would (`env` replaces this process's)."""
    full = {k: v for k, v in (env or os.environ).items() if k != "ENVKIT_PROFILE_PATH"}
    return envkit_process(*args, env=full, unset=tuple(k for k in os.environ if k not in full), timeout=timeout)


def last_json(proc: subprocess.CompletedProcess[str]) -> dict:
    """The one JSON line `envkit run --json` ends with."""
    assert proc.returncode == 0, f"exit {proc.returncode}\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}"
    lines = proc.stdout.strip().splitlines()
    assert lines, proc.stderr[-2000:]
    return json.loads(lines[-1])


@pytest.fixture(scope="session")
def slurm_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A running one-node Slurm (munged, slurmctld, slurmd) for the session; its environment."""
    missing = missing_tools()
    if missing:
        pytest.skip(f"Slurm not installed ({', '.join(missing)}): apt-get install slurm-wlm munge libpmix-dev")
    if os.geteuid() != 0:
        pytest.skip("the one-node Slurm runs its daemons as root")
    with one_node_slurm(tmp_path_factory.mktemp("slurm")) as env:
        yield env

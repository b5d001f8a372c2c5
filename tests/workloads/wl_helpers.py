"""Helpers for the workload/runner tests (imported by name: pytest puts this folder on sys.path)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def env() -> dict[str, str]:
    """The environment for child processes: envkit importable, one thread each, loopback for gloo."""
    e = dict(os.environ)
    e["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), e.get("PYTHONPATH", "")) if p)
    e.setdefault("OMP_NUM_THREADS", "1")
    e.setdefault("GLOO_SOCKET_IFNAME", "lo")
    for k in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT"):
        e.pop(k, None)
    return e


def run(args: list[str], timeout: float = 600, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run a command with the test environment; on failure show its output."""
    proc = subprocess.run(args, env=env(), cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f"{' '.join(args)} -> {proc.returncode}\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return proc


def train_cmd(*args: str) -> list[str]:
    """`python -m envkit.train ARGS`."""
    return [sys.executable, "-m", "envkit.train", *args]


def mpirun_cmd(n: int, *args: str) -> list[str]:
    """Open MPI as root on a small machine, passing the test environment on."""
    return ["mpirun", "--allow-run-as-root", "--oversubscribe", "-np", str(n), "-x", "PYTHONPATH",
            "-x", "OMP_NUM_THREADS", "-x", "GLOO_SOCKET_IFNAME", *args]

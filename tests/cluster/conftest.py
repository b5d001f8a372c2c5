"""The cluster fixture: scripts/cluster.sh brings up Slurm with a controller and two compute nodes, each in
its own network namespace (own hostname, address and /tmp) on this machine, for the whole session, and takes
it down at the end (a cluster that was already up is used and left up).

Results folders are under the cluster's shared folder, not pytest's tmp_path: /tmp is each node's own, so
a job's results written there would stay on its node, as on a real cluster.

Example:
    def test_x(cluster: Cluster) -> None:
        cluster.srun("-N2", "hostname")
"""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from envkit_cli import process_env
from run.slurm_cluster import missing_tools

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "cluster.sh"
CLUSTER_DIR = Path(os.environ.get("ENVKIT_CLUSTER_DIR", "/var/tmp/envkit-cluster"))


def cluster_sh(*args: str, check: bool = False, env: dict[str, str] | None = None,
               timeout: float = 180) -> subprocess.CompletedProcess[str]:
    """Run scripts/cluster.sh with `args`."""
    return subprocess.run(["bash", str(SCRIPT), *args], capture_output=True, text=True, check=check,
                          env={**os.environ, **(env or {})}, timeout=timeout)


@dataclass
class Cluster:
    """A running cluster: the environment whose SLURM_CONF reaches it, and a shared results folder."""

    env: dict[str, str]
    shared: Path
    nodes: list[str] = field(default_factory=lambda: ["node1", "node2"])

    def srun(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["srun", *args], capture_output=True, text=True, env=self.env, timeout=timeout,
                              cwd=self.shared)

    def results(self, name: str) -> Path:
        """A fresh results folder on the shared file system."""
        path = self.shared / f"{name}-{uuid.uuid4().hex[:6]}"
        path.mkdir(parents=True)
        return path


def cluster_unavailable() -> str | None:
    """Why the cluster cannot start here (None when it can)."""
    if os.geteuid() != 0:
        return "the cluster needs root (network namespaces, slurmd)"
    missing = missing_tools() + [t for t in ("ip", "unshare", "nsenter") if shutil.which(t) is None]
    if missing:
        return f"missing {', '.join(missing)}: apt-get install slurm-wlm munge libpmix-dev iproute2"
    probe = subprocess.run(["ip", "netns", "add", "ekc-pytest-probe"], capture_output=True, text=True)
    if probe.returncode != 0:
        return f"no network namespaces here: {probe.stderr.strip()}"
    subprocess.run(["ip", "netns", "del", "ekc-pytest-probe"], capture_output=True)
    return None


@pytest.fixture(scope="session")
def cluster() -> Iterator[Cluster]:
    """The two-node Slurm cluster for the session."""
    why = cluster_unavailable()
    if why:
        pytest.skip(why)
    was_up = cluster_sh("status").returncode == 0
    up = cluster_sh("up")
    assert up.returncode == 0, up.stderr
    shared = CLUSTER_DIR / "shared" / f"pytest-{os.getpid()}"
    shared.mkdir(parents=True, exist_ok=True)
    env = process_env({"SLURM_CONF": str(CLUSTER_DIR / "slurm.conf")}, unset=("ENVKIT_PROFILE_PATH",))
    try:
        yield Cluster(env, shared)
    finally:
        shutil.rmtree(shared, ignore_errors=True)
        if not was_up:
            cluster_sh("down")

"""A real one-node Slurm (Debian's slurm-wlm + munge) started for the tests.

munged runs as the munge user; slurmctld and slurmd run as root with their state, spool, pid and log
files in a scratch folder and SLURM_CONF pointing at a minimal slurm.conf. Nothing is faked: jobs run
through srun for real.

Example:
    with one_node_slurm(tmp_path) as env:
        subprocess.run(["srun", "-n2", "hostname"], env=env, check=True)
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

NEEDED = ("slurmctld", "slurmd", "srun", "sinfo", "munged", "munge", "unmunge")


def missing_tools() -> list[str]:
    """Slurm/munge programs that are not installed (empty when the cluster can start)."""
    return [tool for tool in NEEDED if shutil.which(tool) is None]


def slurm_conf(folder: Path, cpus: int) -> str:
    """A minimal slurm.conf for one node named localhost with `cpus` CPUs."""
    return "\n".join([
        "ClusterName=envkit-test", "SlurmctldHost=localhost", "SlurmUser=root", "AuthType=auth/munge",
        "ProctrackType=proctrack/linuxproc", "TaskPlugin=task/none", "JobAcctGatherType=jobacct_gather/none",
        "AccountingStorageType=accounting_storage/none", "MpiDefault=none", "MailProg=/bin/true",
        "SelectType=select/cons_tres", "SelectTypeParameters=CR_Core", "ReturnToService=2",
        f"StateSaveLocation={folder}/state", f"SlurmdSpoolDir={folder}/spool",
        f"SlurmctldPidFile={folder}/slurmctld.pid", f"SlurmdPidFile={folder}/slurmd.pid",
        f"SlurmctldLogFile={folder}/slurmctld.log", f"SlurmdLogFile={folder}/slurmd.log",
        f"NodeName=localhost CPUs={cpus} RealMemory=4000 State=UNKNOWN",
        "PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP", "",
    ])


def _munge_running() -> bool:
    munge = subprocess.run(["munge", "-n"], capture_output=True)
    if munge.returncode != 0:
        return False
    return subprocess.run(["unmunge"], input=munge.stdout, capture_output=True).returncode == 0


def _start_munge() -> None:
    if _munge_running():
        return
    Path("/run/munge").mkdir(parents=True, exist_ok=True)
    shutil.chown("/run/munge", "munge", "munge")
    # Not checked: the two-node cluster (scripts/cluster.sh) may start the one munged at the same moment, and
    # the second munged then exits on the first one's lock; the wait below is the check.
    subprocess.run(["runuser", "-u", "munge", "--", "munged"], capture_output=True)
    for _ in range(50):
        if _munge_running():
            return
        time.sleep(0.1)
    raise RuntimeError("munged did not start")


def _stop(pid_file: Path) -> None:
    with contextlib.suppress(OSError, ValueError):
        os.kill(int(pid_file.read_text().split()[0]), signal.SIGTERM)


@contextlib.contextmanager
def one_node_slurm(folder: Path, timeout: float = 30.0) -> Iterator[dict[str, str]]:
    """Start munged (if needed), slurmctld and slurmd; yield an environment whose SLURM_CONF finds them."""
    for sub in ("state", "spool"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    conf = folder / "slurm.conf"
    conf.write_text(slurm_conf(folder, os.cpu_count() or 1))
    env = {**os.environ, "SLURM_CONF": str(conf)}
    _start_munge()
    subprocess.run(["slurmctld", "-i"], env=env, check=True, capture_output=True)
    try:
        subprocess.run(["slurmd", "-N", "localhost"], env=env, check=True, capture_output=True)
        deadline = time.monotonic() + timeout
        state = ""
        while time.monotonic() < deadline:
            state = subprocess.run(["sinfo", "-h", "-o", "%T"], env=env, capture_output=True,
                                   text=True).stdout.strip()
            if state == "idle":
                break
            time.sleep(0.3)
        else:
            logs = "".join(p.read_text()[-1500:] for p in folder.glob("*.log"))
            raise RuntimeError(f"Slurm node not idle after {timeout} s (state {state!r}): {logs}")
        yield env
    finally:
        _stop(folder / "slurmd.pid")
        _stop(folder / "slurmctld.pid")
        time.sleep(0.5)

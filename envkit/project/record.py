"""What a project's run leaves in RESULTS/RUN_ID: run.json (what envkit knows: site, engine, image manifest and
lock hashes, world size, hosts, command, exit status, times) and run.log (every rank's output, as printed).
envkit cannot know a project's metrics; the project may write metrics.json itself into $ENVKIT_RESULTS.

Example:
    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> rec = RunRecord(run_id="demo-1", project="demo", project_dir="/p", site="local", engine="charliecloud",
    ...                 image="/s/img", manifest_hash="ab", lock_hash="cd", world_size=2, nodes=1,
    ...                 command=["python", "train.py"], launch=["mpirun"])
    >>> rec.finish(0, d); json.loads((d / "run.json").read_text())["status"]
    'finished'
"""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from envkit.fsutil import atomic_write_text

RECORD = "run.json"
LOG = "run.log"


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def run_hosts(env: dict[str, str] | None = None) -> list[str]:
    """The hosts of the run: the allocation's node list when inside one (as the scheduler spells it), else this
    host's name.

    >>> run_hosts({"SLURM_JOB_NODELIST": "node[1-2]"})
    ['node[1-2]']
    """
    env = dict(os.environ) if env is None else env
    for key in ("SLURM_JOB_NODELIST", "LSB_HOSTS", "PBS_NODEFILE"):
        if env.get(key):
            return [env[key]]
    return [socket.gethostname()]


@dataclass
class RunRecord:
    """run.json of a project's run."""

    run_id: str
    project: str
    project_dir: str
    site: str
    engine: str
    image: str
    manifest_hash: str
    lock_hash: str
    world_size: int
    nodes: int
    command: list[str]
    launch: list[str]
    hosts: list[str] = field(default_factory=run_hosts)
    kind: str = "project"
    started: str = field(default_factory=_now)
    finished: str | None = None
    seconds: float | None = None
    exit_status: int | None = None
    status: str = "running"
    log: str = LOG

    def finish(self, code: int, run_dir: Path, seconds: float | None = None) -> None:
        """Record the exit status and write run.json (atomically)."""
        self.exit_status, self.finished, self.seconds = code, _now(), seconds
        self.status = "finished" if code == 0 else "failed"
        self.write(run_dir)

    def write(self, run_dir: Path) -> None:
        atomic_write_text(run_dir / RECORD, json.dumps(asdict(self), indent=2, sort_keys=True) + "\n")


def run_logged(argv: list[str], run_dir: Path, env: dict[str, str], cwd: Path | None = None) -> int:
    """Run `argv`, copying its output (stdout and stderr together) to this process's stdout and to run.log."""
    with open(run_dir / LOG, "ab") as log:
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, cwd=cwd)
        assert proc.stdout is not None
        for chunk in iter(lambda: proc.stdout.readline(), b""):  # type: ignore[union-attr]
            sys.stdout.buffer.write(chunk)
            sys.stdout.flush()
            log.write(chunk)
        return proc.wait()


def timed(fn, *args, **kwargs) -> tuple[int, float]:
    """(fn's return value, seconds it took)."""
    started = time.monotonic()
    code = fn(*args, **kwargs)
    return code, round(time.monotonic() - started, 3)

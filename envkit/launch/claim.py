"""One run id, one run: `envkit run` holds a lock in RESULTS/RUN_ID while its ranks run.

A second `envkit run` with the same run id is refused while the first holds the lock (the kernel drops a
flock when its holder dies, even by SIGKILL, so a killed run leaves no stale claim); a run id that already
finished is refused unless the runner resumes it (`-- --resume`) or `--replace` says to train over it; a
results folder that cannot be written is found here, before any training.

Example:
    >>> import tempfile, pathlib
    >>> run = pathlib.Path(tempfile.mkdtemp()) / "r1"
    >>> with claim_run(run, resume=False, replace=False):
    ...     claim_run(run, resume=False, replace=False).__enter__()
    Traceback (most recent call last):
    ...
    envkit.errors.EnvkitError: ...r1: run id r1 is in use by another envkit run (pid ...); wait for it or ...
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

from envkit.errors import EnvkitError

LOCK = ".envkit-run.lock"


@contextlib.contextmanager
def claim_run(run_dir: Path, resume: bool, replace: bool) -> Iterator[None]:
    """Hold RUN_DIR's run lock for the block; refuse a busy, finished or unwritable run folder in one line."""
    try:
        run_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(run_dir / LOCK, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o666)
    except OSError as exc:
        raise EnvkitError(f"cannot write the run's folder ({exc.strerror}); give a --results you can write",
                          file=str(run_dir)) from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "?"
            raise EnvkitError(f"run id {run_dir.name} is in use by another envkit run (pid {holder}); wait for it "
                              "or choose another --run-id", file=str(run_dir)) from None
        metrics = run_dir / "metrics.json"
        if metrics.exists() and not (resume or replace):
            raise EnvkitError(f"run id {run_dir.name} already has results (metrics.json); choose another --run-id, "
                              "resume it (-- --resume) or train over it (--replace)", file=str(run_dir))
        if not os.access(run_dir, os.W_OK):
            raise EnvkitError("the run's folder is read-only; give a --results you can write", file=str(run_dir))
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        os.close(fd)   # drops the flock

"""File locks (fcntl.flock) that serialise builds of one layer across processes.

The kernel drops a flock when its holder dies, even by SIGKILL, so a killed
build never leaves a stale lock behind.

Example:
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "layer.lock"
    >>> with FileLock(path):
    ...     pass
"""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path
from types import TracebackType

from envkit.errors import EnvkitError


class FileLock:
    """An exclusive flock on `path`, waited for up to `timeout` seconds (None: forever)."""

    def __init__(self, path: Path, timeout: float | None = None, on_wait: object = None) -> None:
        self.path = Path(path)
        self.timeout = timeout
        self.on_wait = on_wait  # callable(str) told once when the lock is busy
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock, waiting while another process holds it."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = None if self.timeout is None else time.monotonic() + self.timeout
        told = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if not told and callable(self.on_wait):
                    self.on_wait(f"waiting for another build holding {self.path.name}")
                    told = True
                if deadline is not None and time.monotonic() > deadline:
                    os.close(fd)
                    raise EnvkitError(f"timed out after {self.timeout:.0f} s waiting for lock {self.path}") from None
                time.sleep(0.2)
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd

    def release(self) -> None:
        """Drop the lock (closing the descriptor releases it)."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> FileLock:
        self.acquire()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.release()


def wait_for_lockf(path: Path, timeout: float = 3600.0, poll: float = 0.5) -> None:
    """Wait until no process holds a POSIX (lockf) lock on `path` (ch-image locks its storage so).

    Example: wait_for_lockf(storage / "lock") before starting ch-image, so an orphaned
    ch-image from a killed build is waited for instead of failing "already in use".
    """
    path = Path(path)
    if not path.exists():
        return
    deadline = time.monotonic() + timeout
    with open(path, "a") as handle:
        while True:
            try:
                fcntl.lockf(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                fcntl.lockf(handle, fcntl.LOCK_UN)
                return
            except OSError:
                if time.monotonic() > deadline:
                    raise EnvkitError(f"storage {path.parent} stayed locked for {timeout:.0f} s") from None
                time.sleep(poll)

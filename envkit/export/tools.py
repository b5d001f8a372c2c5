"""Run the external tools exports use (mksquashfs, siftool, umoci, skopeo, tar) with one-line errors.

Example:
    >>> run_tool(["true"], "nothing")
    ''
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

from envkit.errors import EnvkitError

APT_PACKAGE = {"mksquashfs": "squashfs-tools", "unsquashfs": "squashfs-tools", "siftool": "siftool",
               "umoci": "umoci", "skopeo": "skopeo", "squashfuse": "squashfuse", "tar": "tar",
               "docker-registry": "docker-registry"}


def require(*tools: str) -> None:
    """EnvkitError naming the Debian package when a tool is missing."""
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        packages = " ".join(sorted({APT_PACKAGE.get(t, t) for t in missing}))
        raise EnvkitError(f"{', '.join(missing)} not found (apt-get install {packages}, or scripts/setup.sh)")


def run_tool(argv: Sequence[str], what: str, *, env: dict[str, str | None] | None = None, timeout: float = 7200,
             nice: bool = False) -> str:
    """Run a tool, return its stdout; EnvkitError with the last stderr line when it fails (env: None unsets)."""
    full = [*(["nice", "-n", "10"] if nice and shutil.which("nice") else []), *argv]
    merged = {k: v for k, v in {**os.environ, **(env or {})}.items() if v is not None}
    try:
        proc = subprocess.run(full, capture_output=True, text=True, timeout=timeout, env=merged,
                              preexec_fn=die_with_parent)
    except FileNotFoundError:
        require(argv[0])
        raise
    except subprocess.TimeoutExpired:
        raise EnvkitError(f"{what}: {argv[0]} took more than {timeout:.0f} s") from None
    if proc.returncode != 0:
        from envkit.fsutil import disk_full

        full_disk = disk_full(proc.stderr + proc.stdout, argv[-1] if argv else ".")
        if full_disk:
            raise EnvkitError(f"{what} failed: {full_disk}")
        tail = (proc.stderr.strip() or proc.stdout.strip() or "no output").splitlines()[-1]
        raise EnvkitError(f"{what} failed ({argv[0]} exit {proc.returncode}): {tail}")
    return proc.stdout


def die_with_parent() -> None:
    """In the child, before exec: the kernel sends it SIGKILL when envkit dies (PR_SET_PDEATHSIG), so a killed
    export leaves no mksquashfs writing on (Linux; elsewhere a no-op)."""
    import ctypes
    import signal

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)   # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


OWNER = ".envkit-owner"


@contextlib.contextmanager
def work_dir(parent: Path, prefix: str) -> Iterator[Path]:
    """A scratch folder under `parent` (removed at the end), after removing the scratch folders of earlier
    exports that died (SIGKILL, power loss): each holds its owner's pid, and one whose owner is gone goes.

    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> stale = root / "envkit-export-x"; stale.mkdir(); _ = (stale / OWNER).write_text("999999999")
    >>> with work_dir(root, "envkit-export-") as work:
    ...     sorted(p.name for p in root.iterdir()) == [work.name]
    True
    """
    parent.mkdir(parents=True, exist_ok=True)
    for old in parent.glob(f"{prefix}*"):
        if old.is_dir() and not old.is_symlink() and not _alive(old / OWNER):
            shutil.rmtree(old, ignore_errors=True)
    with tempfile.TemporaryDirectory(prefix=prefix, dir=parent) as work:
        (Path(work) / OWNER).write_text(str(os.getpid()))
        yield Path(work)


def _alive(owner_file: Path) -> bool:
    try:
        pid = int(owner_file.read_text().strip())
    except (OSError, ValueError):
        return True   # not ours (or still being set up): leave it
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True

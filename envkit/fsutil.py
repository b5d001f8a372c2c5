"""Files are written whole or not at all, with the mode a new file gets: temp name, then rename.

`tempfile.mkstemp` creates its file 0600 whatever the umask; renamed as it is, a help-desk page,
metrics.json or a checkpoint would be unreadable to the project group or a web server. Every
atomic write here sets the mode `open()` would have given a new file (0666 minus the umask)
before the rename. This module is the one home of atomic writes (envkit.data.atomic re-exports).

Example:
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> atomic_write_text(d / "a.txt", "hello\\n")
    >>> (d / "a.txt").read_text()
    'hello\\n'
    >>> oct((d / "a.txt").stat().st_mode & 0o777) == oct(new_file_mode())
    True
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path


def current_umask() -> int:
    """The process umask, read without changing it where Linux allows (/proc/self/status)."""
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    old = os.umask(0o022)  # elsewhere: the classic set-and-restore (not thread-safe, but brief)
    os.umask(old)
    return old


def new_file_mode() -> int:
    """The permission bits a plain `open(path, "w")` would give a new file: 0o666 & ~umask."""
    return 0o666 & ~current_umask()


def new_exec_mode() -> int:
    """The permission bits for a new file that is run (a job script, a SIF): 0o777 & ~umask (0700 under 077)."""
    return 0o777 & ~current_umask()


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str], mode: int | None = None) -> Iterator[Path]:
    """Yield a temporary path beside `path`; on success it gets `mode` (default: the umask's) and
    replaces `path` (after fsync); on any error or interrupt it is removed.

    Example:
        >>> import tempfile, pathlib
        >>> d = pathlib.Path(tempfile.mkdtemp())
        >>> with atomic_path(d / "x.bin") as tmp:
        ...     _ = tmp.write_bytes(b"1")
        >>> sorted(p.name for p in d.iterdir())
        ['x.bin']
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name[:200]}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        with open(tmp_path, "rb+") as fh:  # make the bytes durable before the rename
            os.fsync(fh.fileno())
        os.chmod(tmp_path, new_file_mode() if mode is None else mode)
        os.replace(tmp_path, target)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes, mode: int | None = None) -> None:
    """Write `data` to `path` atomically (same folder temp file, fsync, chmod, os.replace)."""
    with atomic_path(path, mode) as tmp, open(tmp, "wb") as handle:
        handle.write(data)


def atomic_write_text(path: str | os.PathLike[str], text: str, mode: int | None = None) -> None:
    """Write UTF-8 text to `path` atomically."""
    atomic_write_bytes(path, text.encode("utf-8"), mode)


@contextlib.contextmanager
def undo_on_failure(*paths: Path) -> Iterator[None]:
    """Remove, if the block fails, each of `paths` that did not exist when it started (files or folders).

    A command that writes several files (render -o with its scripts, docs --all -o, a base clone)
    leaves either all of them or none of the new ones: files that were there before are kept.

    Example:
        >>> import tempfile, pathlib
        >>> d = pathlib.Path(tempfile.mkdtemp())
        >>> try:
        ...     with undo_on_failure(d / "out", d / "out" / "a.txt"):
        ...         atomic_write_text(d / "out" / "a.txt", "x")
        ...         raise RuntimeError("later step failed")
        ... except RuntimeError:
        ...     pass
        >>> (d / "out").exists()
        False
    """
    fresh = []
    for p in paths:
        try:
            if not os.path.lexists(p):
                fresh.append(Path(p))
        except (OSError, ValueError):
            continue
    try:
        yield
    except BaseException:
        for p in reversed(fresh):  # children before the folder that holds them
            with contextlib.suppress(OSError):
                if p.is_dir() and not p.is_symlink():
                    shutil.rmtree(p)
                elif os.path.lexists(p):
                    p.unlink()
        raise


def check_output(path: str | os.PathLike[str], option: str = "output") -> None:
    """Refuse an output that is a device, FIFO, socket or existing folder (writing there would replace a
    device node as root, hang, or fail half-way), or whose folder does not exist as a folder.

    >>> check_output("/dev/null", "-o")
    Traceback (most recent call last):
    ...
    envkit.errors.EnvkitError: /dev/null: -o: is a device or special file, expected a regular file to write
    >>> check_output(tempfile.gettempdir() + "/envkit-new-file.png") is None
    True
    """
    import stat

    from envkit.errors import EnvkitError

    p = Path(path)
    try:
        st = p.stat()
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise EnvkitError(f"cannot be checked ({exc.strerror})", file=str(p), key=option) from None
    if st is not None:
        if stat.S_ISDIR(st.st_mode):
            raise EnvkitError("is a folder, expected a file name", file=str(p), key=option)
        if not stat.S_ISREG(st.st_mode):
            raise EnvkitError("is a device or special file, expected a regular file to write", file=str(p),
                              key=option)
    parent = p.parent
    if parent.exists() and not parent.is_dir():
        raise EnvkitError(f"{parent} is not a folder", file=str(p), key=option)


def disk_full(text: str, path: str | os.PathLike[str], needed: int | None = None) -> str | None:
    """One line for a write that failed for lack of space, naming the folder and what is free (and needed,
    when known); None when `text` (an error message or a tool's stderr) is not about a full disk.

    >>> disk_full("[Errno 28] Can't synchronously write data (file write failed: time = ...)", "/") is not None
    True
    >>> disk_full("permission denied", "/") is None
    True
    """
    low = text.lower()
    if "errno 28" not in low and "no space left" not in low and "enospc" not in low:
        return None
    folder = Path(path)
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    try:
        free = shutil.disk_usage(folder).free
        room = f"{free / 2**20:.0f} MiB free"
    except OSError:
        room = "free space unknown"
    need = f", about {needed / 2**20:.0f} MiB needed" if needed else ""
    return f"no space left on the device holding {folder} ({room}{need}); free some space or write elsewhere"

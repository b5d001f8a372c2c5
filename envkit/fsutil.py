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
import stat
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from envkit.errors import EnvkitError


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


def file_kind(mode: int) -> str:
    """What a file that is not a regular file is, in words (`mode` as os.stat gives it).

    >>> file_kind(os.stat("/").st_mode), file_kind(os.stat("/dev/null").st_mode)
    ('a folder', 'a device')
    """
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a plain file"


@dataclass(frozen=True)
class ReadRefusals:
    """The words `read_bounded` refuses a file with: each reader keeps its own (a profile, a state file).

    Each is a format string that may use {reason} (the OS's words), {kind} (`kind` of the file's mode),
    {size} and {limit} (bytes) and {limit_kib}. `folder` is said where opening fails because the path is a
    folder and `nul_name` where the name holds a NUL byte; None: the first is `unreadable`, the second a
    ValueError as `os.open` raises it.
    """

    missing: str = "no such file"
    unreadable: str = "cannot be read ({reason})"
    not_regular: str = "is {kind}, expected a file"
    too_large: str = "is {size} bytes, more than {limit}"
    grew: str = "grew past {limit} bytes"
    folder: str | None = None
    nul_name: str | None = None
    kind: Callable[[int], str] = file_kind


def read_bounded(path: str | os.PathLike[str], limit: int, refusals: ReadRefusals = ReadRefusals()) -> bytes:
    """The bytes of a regular file of at most `limit` bytes, else one EnvkitError naming the file.

    Never a FIFO, device or folder: no hang, no endless read, no memory error. O_NONBLOCK keeps `open` from
    waiting for a FIFO's writer; fstat on the opened descriptor (not the name, which could be swapped)
    decides; a file that grows past `limit` while it is read is refused too.

    Example:
        >>> import tempfile, pathlib
        >>> d = pathlib.Path(tempfile.mkdtemp())
        >>> _ = (d / "a.txt").write_text("hello")
        >>> read_bounded(d / "a.txt", 16)
        b'hello'
        >>> read_bounded(d / "a.txt", 4, ReadRefusals(too_large="is {size} bytes, more than a note's {limit}"))
        Traceback (most recent call last):
        ...
        envkit.errors.EnvkitError: .../a.txt: is 5 bytes, more than a note's 4
        >>> read_bounded(d, 16)
        Traceback (most recent call last):
        ...
        envkit.errors.EnvkitError: ...: is a folder, expected a file
    """
    name, words = str(path), refusals
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise EnvkitError(words.missing, file=name) from None
    except IsADirectoryError as exc:
        text = words.folder if words.folder is not None else words.unreadable
        raise EnvkitError(text.format(reason=_reason(exc)), file=name) from None
    except ValueError:  # an embedded NUL in the name
        if words.nul_name is None:
            raise
        raise EnvkitError(words.nul_name, file=name.replace("\x00", "\\0")) from None
    except OSError as exc:
        raise EnvkitError(words.unreadable.format(reason=_reason(exc)), file=name) from None
    try:
        info = os.fstat(fd)
        sizes = {"limit": limit, "limit_kib": limit // 1024}
        if not stat.S_ISREG(info.st_mode):
            raise EnvkitError(words.not_regular.format(kind=words.kind(info.st_mode)), file=name)
        if info.st_size > limit:
            raise EnvkitError(words.too_large.format(size=info.st_size, **sizes), file=name)
        chunks: list[bytes] = []
        size = 0
        while size <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:
            raise EnvkitError(words.grew.format(size=size, **sizes), file=name)
        return b"".join(chunks)
    except OSError as exc:
        raise EnvkitError(words.unreadable.format(reason=_reason(exc)), file=name) from None
    finally:
        os.close(fd)


def _reason(exc: OSError) -> str:
    return exc.strerror or exc.__class__.__name__

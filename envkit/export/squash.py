"""A squashfs of an image tree, with the options Apptainer's SIF assembler uses, reproducibly.

Apptainer (internal/pkg/build/assemblers/sif.go, createSIF/Assemble) runs
`mksquashfs ROOTFS FILE -noappend` and adds `-all-root` when the builder is not root;
envkit always adds `-all-root` (an exported image belongs to whoever runs it), and fixes every
time stamp to the image's build time (`-mkfs-time`, `-all-time`): mksquashfs 4.5 writes sorted
directories and is reproducible by default, so one tree gives one squashfs, byte for byte.
The /.singularity.d/ layout goes in as pseudo files (envkit.export.layout), so the image
store is only read.

Compression (`envkit export --compression NAME`; docs/portable-images.md says which Apptainer and Singularity
versions read which, with sources, and the size and time of each measured here):

    gzip       mksquashfs' default, gzip level 9: every Singularity and Apptainer reads it
    gzip-fast  gzip level 1 (the default): read by the same versions as gzip, several times faster to write,
               somewhat larger
    zstd       zstd level 3: smaller and faster than gzip, needs a zstd-capable reader (kernel >= 4.14 or a
               squashfuse built with zstd)
    lz4        fastest to write and read, largest
    xz         smallest, slowest to write

mksquashfs uses every core unless ENVKIT_EXPORT_PROCESSORS=N says fewer; its progress bar is read as it is
drawn and shown as a bar on a terminal, else as a plain line every 10 % with an estimate of the time left.
ENVKIT_SQUASHFS_LEVEL (1-9) still sets the gzip level of `gzip`.

Example:
    >>> squashfs_argv(Path("/img"), Path("/out.sqfs"), 1795942800, Path("/p.txt"))[:6]
    ['mksquashfs', '/img', '/out.sqfs', '-noappend', '-all-root', '-quiet']
    >>> squashfs_argv(Path("/img"), Path("/o"), 0, None, compression="zstd")[-4:]
    ['-comp', 'zstd', '-Xcompression-level', '3']
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from envkit.errors import EnvkitError
from envkit.export.layout import Layout, pseudo_definitions
from envkit.export.tools import die_with_parent, require, work_dir

SQUASHFS_MAGIC = b"hsqs"
COMPRESSIONS: dict[str, list[str]] = {
    "gzip": [],
    "gzip-fast": ["-comp", "gzip", "-Xcompression-level", "1"],
    "zstd": ["-comp", "zstd", "-Xcompression-level", "3"],
    "lz4": ["-comp", "lz4"],
    "xz": ["-comp", "xz"],
}
DEFAULT_COMPRESSION = "gzip-fast"
PROGRESS = re.compile(rb"(\d+)/(\d+)\s+(\d+)%")
Progress = Callable[[int, int], None]


def check_compression(name: str) -> str:
    """The name, or a one-line error listing the choices."""
    if name not in COMPRESSIONS:
        raise EnvkitError(f"--compression must be one of {', '.join(COMPRESSIONS)}, got {name!r}")
    return name


def squashfs_argv(tree: Path, out: Path, epoch: int, pseudo: Path | None, processors: int | None = None,
                  compression: str = "gzip", progress: bool = True) -> list[str]:
    """The mksquashfs command line (its progress bar on stdout unless `progress` is False)."""
    argv = ["mksquashfs", str(tree), str(out), "-noappend", "-all-root", "-quiet",
            *([] if progress else ["-no-progress"]), "-mkfs-time", str(epoch), "-all-time", str(epoch)]
    if pseudo is not None:
        argv += ["-pf", str(pseudo)]
    if processors:
        argv += ["-processors", str(processors)]
    level = os.environ.get("ENVKIT_SQUASHFS_LEVEL", "")
    if compression == "gzip" and level in {str(n) for n in range(1, 10)}:   # 9 is mksquashfs' default
        argv += ["-comp", "gzip", "-Xcompression-level", level]
    return [*argv, *COMPRESSIONS[check_compression(compression)]]


def write_squashfs(tree: Path, out: Path, epoch: int, layout: Layout | None = None,
                   compression: str = DEFAULT_COMPRESSION, progress: Progress | None = None) -> Path:
    """Squash `tree` (plus `layout`) into `out` (written whole: a temp name in the same folder, then renamed);
    `progress(done, total)` is called as mksquashfs draws its bar."""
    require("mksquashfs")
    check_compression(compression)
    out.parent.mkdir(parents=True, exist_ok=True)
    with work_dir(out.parent, "envkit-sqfs-") as work:
        pseudo = None
        if layout is not None:
            staging = Path(work) / "staged"
            staging.mkdir()
            pseudo = Path(work) / "pseudo.txt"
            pseudo.write_text("\n".join(pseudo_definitions(layout, tree, staging)) + "\n")
        tmp = Path(work) / "image.sqfs"
        run_mksquashfs(squashfs_argv(tree, tmp, epoch, pseudo, _processors(), compression), f"squashing {tree}",
                       progress)
        os.replace(tmp, out)
    return out


def _read_terminal(fd: int) -> bytes:
    """The next output of a pty, or b"" once the program closed it (Linux then raises EIO)."""
    try:
        return os.read(fd, 65536)
    except OSError:
        return b""


def run_mksquashfs(argv: list[str], what: str, progress: Progress | None) -> None:
    """Run mksquashfs, reading its progress bar (`[===/  ] 812/2030  40%`, redrawn after each `\\r`) as it comes.

    Example:
        >>> seen = []
        >>> bar = "\\r[=/ ] 1/4  25%\\r[==/] 4/4 100%\\n"
        >>> run_mksquashfs(["printf", "%s", bar], "test", lambda d, t: seen.append((d, t)))
        >>> seen
        [(1, 4), (4, 4)]
    """
    env = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}  # refused beside -mkfs-time
    # A terminal, not a pipe: into a pipe mksquashfs' stdio buffers its bar and the frames arrive in bursts
    # (the first after 43 s of a 59 s squash here, all at the end of a 50 s export); on a terminal with a width
    # (a pty without one draws no bar) each frame arrives as it is drawn.
    reader, terminal = pty.openpty()
    try:
        try:
            fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
            proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=terminal, stderr=subprocess.PIPE,
                                    env=env, preexec_fn=die_with_parent)   # a killed envkit leaves no mksquashfs
        except FileNotFoundError:
            require(argv[0])
            raise
        finally:
            os.close(terminal)          # the child holds its own copy: the reader sees EIO when it exits
        pending = b""
        while chunk := _read_terminal(reader):
            *frames, pending = re.split(rb"[\r\n]", pending + chunk)
            for frame in frames:
                found = PROGRESS.search(frame)
                if found and progress is not None:
                    progress(int(found.group(1)), int(found.group(2)))
    finally:
        os.close(reader)
    assert proc.stderr is not None
    err = proc.stderr.read().decode(errors="replace")
    if proc.wait() != 0:
        tail = (err.strip() or "no output").splitlines()[-1]
        raise EnvkitError(f"{what} failed ({argv[0]} exit {proc.returncode}): {tail}")


class SquashProgress:
    """What a long squash shows: a rich bar on a terminal, else one plain line per 10 % with the time left.

    Example:
        >>> import io
        >>> out = io.StringIO()
        >>> show = SquashProgress("squashing envkit-local", stream=out, tty=False)
        >>> show(0, 100); show(50, 100); show(100, 100); show.close()
        >>> out.getvalue().splitlines()[1].split(" (")[0]
        'squashing envkit-local: 50%'
    """

    def __init__(self, what: str, stream: TextIO | None = None, tty: bool | None = None) -> None:
        self.what, self.stream = what, stream or sys.stderr
        self.tty = self.stream.isatty() if tty is None else tty
        self.started, self.shown = time.monotonic(), -1
        self.bar: Any = None
        self.task: Any = None

    def _left(self, done: int, total: int) -> str:
        spent = time.monotonic() - self.started
        if done <= 0 or done >= total:
            return f"{spent:.0f} s"
        return f"{spent:.0f} s, about {spent * (total - done) / done:.0f} s left (estimate from the rate so far)"

    def __call__(self, done: int, total: int) -> None:
        if self.tty:
            if self.bar is None:
                from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

                self.bar = Progress(TextColumn("{task.description}"), BarColumn(),
                                    TextColumn("{task.percentage:>3.0f}%"), TimeElapsedColumn(),
                                    TimeRemainingColumn(), transient=True)
                self.bar.start()
                self.task = self.bar.add_task(self.what, total=total)
            self.bar.update(self.task, completed=done, total=total)
            return
        tenth = 10 * done // max(total, 1)
        if tenth > self.shown:
            self.shown = tenth
            self.stream.write(f"{self.what}: {10 * tenth}% ({done}/{total} blocks, {self._left(done, total)})\n")
            self.stream.flush()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()
            self.bar = None


def _processors() -> int | None:
    value = os.environ.get("ENVKIT_EXPORT_PROCESSORS")
    return int(value) if value and value.isdigit() else None


def is_squashfs(head: bytes) -> bool:
    """Whether bytes start with a squashfs superblock (magic `hsqs`, little endian)."""
    return head[:4] == SQUASHFS_MAGIC

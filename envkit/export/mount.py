"""Run from an exported artifact: a squashfs (or a SIF's partition) mounted with squashfuse, else unpacked.

Debian's Charliecloud 0.31 is built without its own SquashFS support (`ch-run --feature squash`
fails), so the file is mounted with `squashfuse` (FUSE, no root needed where /dev/fuse is
usable) and ch-run gets the mount point as an image folder; where FUSE is not usable, the file
is unpacked with `unsquashfs` (slower, needs the space). A SIF's primary partition is first
extracted with `siftool dump` (squashfuse 0.1 has no offset option).

Example:
    $ python -c 'from envkit.export.mount import opened
    > with opened(Path("envkit-local.sif")) as root: print(root)'
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from envkit.errors import EnvkitError


def partition_of(sif: Path, out: Path) -> Path:
    """Extract a SIF's primary system partition (a squashfs) into `out`."""
    from envkit.export.sif import dump_object, list_objects

    parts = [o for o in list_objects(sif) if o.kind.startswith("FS (Squashfs") and "*System" in o.kind]
    if not parts:
        raise EnvkitError(f"{sif} has no squashfs primary system partition")
    return dump_object(sif, parts[0].id, out)


def _unmount(point: Path) -> None:
    for argv in (["fusermount3", "-u", str(point)], ["fusermount", "-u", str(point)], ["umount", str(point)]):
        if shutil.which(argv[0]) and subprocess.run(argv, capture_output=True).returncode == 0:
            return


def _mount(squashfs: Path, point: Path) -> bool:
    if shutil.which("squashfuse") is None or not os.access("/dev/fuse", os.R_OK | os.W_OK):
        return False
    if subprocess.run(["squashfuse", str(squashfs), str(point)], capture_output=True).returncode != 0:
        return False
    for _ in range(50):                       # the mount appears asynchronously
        if os.path.ismount(point):
            return True
        time.sleep(0.1)
    _unmount(point)
    return False


@contextmanager
def opened(artifact: Path, work: Path | None = None) -> Iterator[Path]:
    """The root file system of a .sif or .sqfs, as a folder ch-run can run (mounted or unpacked)."""
    from envkit.export.verify import artifact_kind

    kind = artifact_kind(artifact)
    if kind not in ("sif", "sqfs"):
        raise EnvkitError(f"{artifact} is a {kind}; only a SIF or a squashfs can be run from directly")
    with tempfile.TemporaryDirectory(prefix="envkit-open-", dir=work) as folder:
        squashfs = partition_of(artifact, Path(folder) / "rootfs.sqfs") if kind == "sif" else artifact
        point = Path(folder) / "root"
        point.mkdir()
        if _mount(squashfs, point):
            try:
                yield point
            finally:
                _unmount(point)
            return
        from envkit.export.tools import run_tool

        point.rmdir()
        run_tool(["unsquashfs", "-no-xattrs", "-quiet", "-no-progress", "-d", str(point), str(squashfs)],
                 f"unpacking {artifact.name}", nice=True)
        yield point


def run_artifact(engine: Any, artifact: Path, command: Sequence[str], *, binds: Sequence[str] = (),
                 env: Sequence[tuple[str, str]] = (), timeout: float = 900) -> subprocess.CompletedProcess[str]:
    """Run `command` in an exported SIF or squashfs with the Charliecloud engine (its `run`, on the opened tree).

    Example: Charliecloud().run("envkit-local.sif", ["python3", "-V"]) comes here.
    """
    with opened(artifact) as root:
        return engine.run(str(root), command, binds=binds, env=env, timeout=timeout)

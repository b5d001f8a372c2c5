"""A squashfs of an image tree, with the options Apptainer's SIF assembler uses, reproducibly.

Apptainer (internal/pkg/build/assemblers/sif.go, createSIF/Assemble) runs
`mksquashfs ROOTFS FILE -noappend` and adds `-all-root` when the builder is not root;
envkit always adds `-all-root` (an exported image belongs to whoever runs it), and fixes every
time stamp to the image's build time (`-mkfs-time`, `-all-time`): mksquashfs 4.5 writes sorted
directories and is reproducible by default, so one tree gives one squashfs, byte for byte.
The /.singularity.d/ layout goes in as pseudo files (envkit.export.layout), so the image
store is only read. ENVKIT_EXPORT_PROCESSORS limits mksquashfs' threads; ENVKIT_SQUASHFS_LEVEL (1-9) sets the
gzip level (default 9, mksquashfs' own; 1 is several times faster and a little larger, still gzip).

Example:
    >>> squashfs_argv(Path("/img"), Path("/out.sqfs"), 1795942800, Path("/p.txt"))[:6]
    ['mksquashfs', '/img', '/out.sqfs', '-noappend', '-all-root', '-no-progress']
"""

from __future__ import annotations

import os
from pathlib import Path

from envkit.export.layout import Layout, pseudo_definitions
from envkit.export.tools import require, run_tool, work_dir

SQUASHFS_MAGIC = b"hsqs"


def squashfs_argv(tree: Path, out: Path, epoch: int, pseudo: Path | None, processors: int | None = None) -> list[str]:
    """The mksquashfs command line."""
    argv = ["mksquashfs", str(tree), str(out), "-noappend", "-all-root", "-no-progress", "-quiet",
            "-mkfs-time", str(epoch), "-all-time", str(epoch)]
    if pseudo is not None:
        argv += ["-pf", str(pseudo)]
    if processors:
        argv += ["-processors", str(processors)]
    level = os.environ.get("ENVKIT_SQUASHFS_LEVEL", "")
    if level in {str(n) for n in range(1, 10)}:      # gzip stays (every Singularity reads it); 9 is the default
        argv += ["-comp", "gzip", "-Xcompression-level", level]
    return argv


def write_squashfs(tree: Path, out: Path, epoch: int, layout: Layout | None = None) -> Path:
    """Squash `tree` (plus `layout`) into `out` (written whole: a temp name in the same folder, then renamed)."""
    require("mksquashfs")
    out.parent.mkdir(parents=True, exist_ok=True)
    with work_dir(out.parent, "envkit-sqfs-") as work:
        pseudo = None
        if layout is not None:
            staging = Path(work) / "staged"
            staging.mkdir()
            pseudo = Path(work) / "pseudo.txt"
            pseudo.write_text("\n".join(pseudo_definitions(layout, tree, staging)) + "\n")
        tmp = Path(work) / "image.sqfs"
        run_tool(squashfs_argv(tree, tmp, epoch, pseudo, _processors()), f"squashing {tree}", nice=True,
                 env={"SOURCE_DATE_EPOCH": None})   # mksquashfs refuses it beside -mkfs-time/-all-time
        os.replace(tmp, out)
    return out


def _processors() -> int | None:
    value = os.environ.get("ENVKIT_EXPORT_PROCESSORS")
    return int(value) if value and value.isdigit() else None


def is_squashfs(head: bytes) -> bool:
    """Whether bytes start with a squashfs superblock (magic `hsqs`, little endian)."""
    return head[:4] == SQUASHFS_MAGIC

"""Assemble a SIF with Debian's `siftool` (sylabs/sif 2.8), the objects in Apptainer's order.

Apptainer's SIF assembler (internal/pkg/build/assemblers/sif.go, createSIF) writes the
definition file (data type Deffile), its JSON objects, then the squashfs as the primary
system partition with the image's architecture. envkit writes: the definition (1-Deffile),
the labels (3-Labels, JSON), the SBOM (9-SBOM, spdx-json), the partition (4-Partition,
2-PrimSys, 1-Squash, architecture code). `siftool list` shows them; `siftool dump ID`
extracts one.

Example:
    >>> sif_arch("x86_64"), sif_arch("aarch64"), sif_arch("ppc64le")
    (2, 4, 6)
"""

from __future__ import annotations

import os
import re
import struct
import uuid
from dataclasses import dataclass
from pathlib import Path

from envkit.errors import EnvkitError
from envkit.export.tools import require, run_tool, work_dir
from envkit.fsutil import new_exec_mode

# siftool add --partarch codes (sylabs/sif pkg/sif arch table)
SIF_ARCH = {"386": 1, "amd64": 2, "arm": 3, "arm64": 4, "ppc64": 5, "ppc64le": 6, "s390x": 11, "riscv64": 12}
MACHINE_TO_GOARCH = {"x86_64": "amd64", "aarch64": "arm64", "ppc64le": "ppc64le", "amd64": "amd64",
                     "arm64": "arm64", "i686": "386", "s390x": "s390x", "riscv64": "riscv64"}
LAUNCH_LINE = b"#!/usr/bin/env run-singularity\n"
DATATYPE = {"deffile": 1, "labels": 3, "partition": 4, "sbom": 9}


def goarch(machine: str) -> str:
    """`uname -m` name -> Go/OCI architecture name (what SIF and OCI configs use)."""
    try:
        return MACHINE_TO_GOARCH[machine]
    except KeyError:
        raise EnvkitError(f"architecture {machine!r} has no SIF code (known: {', '.join(MACHINE_TO_GOARCH)})") \
            from None


def sif_arch(machine: str) -> int:
    """siftool's --partarch code for a machine name."""
    return SIF_ARCH[goarch(machine)]


def write_sif(out: Path, squashfs: Path, deffile: str, labels_json: str, sbom_json: str, machine: str,
              epoch: int | None = None, image_id: uuid.UUID | None = None) -> Path:
    """Write the SIF at `out` (whole or not at all); with `epoch` and `image_id`, byte-reproducible."""
    require("siftool")
    out.parent.mkdir(parents=True, exist_ok=True)
    with work_dir(out.parent, "envkit-sif-") as work:
        folder = Path(work)
        tmp = folder / "image.sif"
        (folder / "Singularity").write_text(deffile)
        (folder / "labels.json").write_text(labels_json)
        (folder / "sbom.spdx.json").write_text(sbom_json)
        run_tool(["siftool", "new", str(tmp)], "creating the SIF")
        for argv in (["--datatype", "1", "--filename", "Singularity", str(folder / "Singularity")],
                     ["--datatype", "3", "--filename", "labels.json", str(folder / "labels.json")],
                     ["--datatype", "9", "--sbomformat", "spdx-json", "--filename", "sbom.spdx.json",
                      str(folder / "sbom.spdx.json")],
                     ["--datatype", "4", "--parttype", "2", "--partfs", "1", "--partarch",
                      str(sif_arch(machine)), "--filename", "rootfs.squashfs", str(squashfs)]):
            run_tool(["siftool", "add", str(tmp), argv[-1], *argv[:-1]], "adding to the SIF", nice=True)
        set_launch_line(tmp)
        if epoch is not None and image_id is not None:
            set_deterministic(tmp, epoch, image_id)
        os.replace(tmp, out)
    return out


def set_launch_line(sif: Path) -> None:
    """Write the launch line Apptainer's SIFs start with (`./image.sif` then runs it); siftool leaves zeros.

    The SIF header keeps its first 32 bytes for it (sylabs/sif: hdrLaunchLen); Apptainer's assembler
    passes `#!/usr/bin/env run-singularity` (sif.OptCreateWithLaunchScript).
    """
    with open(sif, "r+b") as handle:
        if handle.read(32).strip(b"\0"):
            return
        handle.seek(0)
        handle.write(LAUNCH_LINE.ljust(32, b"\0"))
    os.chmod(sif, new_exec_mode())   # a SIF runs itself (its launch line); the umask decides who may


# The SIF header and descriptor fields envkit rewrites (sylabs/sif v2 pkg/sif/sif.go: header and
# rawDescriptor, written packed and little endian with encoding/binary).
HEADER_ID, HEADER_CREATED, HEADER_MODIFIED = 48, 64, 72
HEADER_DESCR_TOTAL, HEADER_DESCR_OFFSET = 88, 96
DESCR_SIZE, DESCR_USED, DESCR_CREATED, DESCR_MODIFIED = 585, 4, 41, 49


def set_deterministic(sif: Path, epoch: int, image_id: uuid.UUID) -> None:
    """Give a SIF a fixed ID and every time stamp `epoch`, so one image gives one SIF, byte for byte.

    `siftool new` takes a random UUID and the current time (header and each descriptor); the sif library's
    own OptCreateDeterministic (nil UUID, zero times) is not exposed by the command, so the fields are
    written here: the ID derived from the image, the times its build time.
    """
    stamp = struct.pack("<q", epoch)
    with open(sif, "r+b") as handle:
        head = handle.read(128)
        if head[32:41] != b"SIF_MAGIC":
            raise EnvkitError(f"{sif} is not a SIF (no SIF_MAGIC)")
        total, = struct.unpack_from("<q", head, HEADER_DESCR_TOTAL)
        offset, = struct.unpack_from("<q", head, HEADER_DESCR_OFFSET)
        for position, data in ((HEADER_ID, image_id.bytes), (HEADER_CREATED, stamp), (HEADER_MODIFIED, stamp)):
            handle.seek(position)
            handle.write(data)
        for index in range(total):
            base = offset + index * DESCR_SIZE
            handle.seek(base + DESCR_USED)
            if handle.read(1) != b"\x01":
                continue
            for field_at in (DESCR_CREATED, DESCR_MODIFIED):
                handle.seek(base + field_at)
                handle.write(stamp)


@dataclass(frozen=True)
class SifObject:
    """One line of `siftool list`."""

    id: int
    group: str
    link: str
    offset: int
    size: int
    kind: str


_ROW = re.compile(r"^\s*(\d+)\s+\|(\S+)\s*\|(\S+)\s*\|(\d+)-(\d+)\s*\|(.+)$")


def list_objects(sif: Path) -> list[SifObject]:
    """`siftool list` parsed: id, group, link, offset, size, type text (e.g. 'FS (Squashfs/*System/amd64)')."""
    require("siftool")
    out = []
    for line in run_tool(["siftool", "list", str(sif)], f"reading {sif}").splitlines():
        match = _ROW.match(line)
        if match:
            start, end = int(match.group(4)), int(match.group(5))
            out.append(SifObject(int(match.group(1)), match.group(2), match.group(3), start, end - start,
                                 match.group(6).strip()))
    if not out:
        raise EnvkitError(f"{sif}: siftool lists no data objects (not a SIF?)")
    return out


def dump_object(sif: Path, object_id: int, out: Path) -> Path:
    """`siftool dump ID` into a file."""
    require("siftool")
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "wb") as handle:
        import subprocess

        proc = subprocess.run(["siftool", "dump", str(object_id), str(sif)], stdout=handle,
                              stderr=subprocess.PIPE, text=False)
    if proc.returncode != 0:
        raise EnvkitError(f"siftool dump {object_id} {sif} failed: {proc.stderr.decode(errors='replace').strip()}")
    return out


def read_object(sif: Path, obj: SifObject) -> bytes:
    """An object's bytes, read at its offset (small objects: the definition, labels, SBOM)."""
    with open(sif, "rb") as handle:
        handle.seek(obj.offset)
        return handle.read(obj.size)

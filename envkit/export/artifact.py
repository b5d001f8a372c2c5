"""`envkit export`: write an image as a SIF, OCI archive, docker-archive, squashfs or tar, with its SBOM.

Every artifact is written whole (temp name, then rename), with `FILE.sha256` (sha256sum's
format) and `FILE.spdx.json` (the SBOM) beside it.

Example:
    >>> default_name("envkit-local", "sif"), default_name("envkit-local", "oci")
    ('envkit-local.sif', 'envkit-local.oci.tar')
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from pathlib import Path

from envkit.errors import EnvkitError
from envkit.export.source import ImageSource
from envkit.export.tools import work_dir
from envkit.fsutil import atomic_write_text

EXTENSIONS = {"sif": ".sif", "oci": ".oci.tar", "docker-archive": ".docker.tar", "sqfs": ".sqfs", "tar": ".tar"}


def default_name(tag: str, fmt: str) -> str:
    """The file name an export gets without -o."""
    return f"{tag}{EXTENSIONS[fmt]}"


@dataclass
class ExportResult:
    """What an export wrote."""

    path: Path
    sha256: str
    sbom: Path
    fmt: str
    seconds: float

    def as_dict(self) -> dict[str, object]:
        return {"path": str(self.path), "sha256": self.sha256, "sbom": str(self.sbom), "format": self.fmt,
                "bytes": self.path.stat().st_size, "seconds": round(self.seconds, 1)}


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file, read in 4 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 22), b""):
            digest.update(block)
    return digest.hexdigest()


def sidecars(path: Path) -> tuple[Path, Path]:
    """(FILE.sha256, FILE.spdx.json)."""
    return path.with_name(path.name + ".sha256"), path.with_name(path.name + ".spdx.json")


def image_labels_for(src: ImageSource) -> dict[str, str]:
    """The labels an export carries (labels.json in a SIF, Labels in an OCI config)."""
    from envkit import __version__
    from envkit.export.layout import image_labels
    from envkit.export.sif import goarch

    top = src.definitions[-1] if src.definitions else None
    return image_labels(src.labels, top.header if top else {}, goarch(src.machine), src.created, __version__,
                        bool(top and top.help.strip()))


def export_source(src: ImageSource, fmt: str, out: Path, compression: str | None = None,
                  progress: bool = False) -> ExportResult:
    """Write `src` as `fmt` at `out`, with its sha256 and SBOM beside it (`compression`: the squashfs's, for sif
    and sqfs; `progress`: show mksquashfs' progress on stderr)."""
    from envkit import __version__
    from envkit.export.sbom import sbom_json

    if fmt not in EXTENSIONS:
        raise EnvkitError(f"--format must be one of {', '.join(EXTENSIONS)}, got {fmt!r}")
    if not src.tree.is_dir():
        raise EnvkitError(f"image tree {src.tree} does not exist (build it first)")
    started = time.monotonic()
    out = out.absolute()
    out.parent.mkdir(parents=True, exist_ok=True)
    sbom = sbom_json(src.manifest)
    if fmt in ("sif", "sqfs"):
        from envkit.export.layout import build_layout
        from envkit.export.sif import goarch, write_sif
        from envkit.export.squash import DEFAULT_COMPRESSION, SquashProgress, write_squashfs

        layout = build_layout(src.definitions, src.labels, goarch(src.machine), src.created, __version__)
        comp = compression or DEFAULT_COMPRESSION
        show = SquashProgress(f"squashing {src.name} ({comp})") if progress else None
        try:
            if fmt == "sqfs":
                write_squashfs(src.tree, out, src.epoch, layout, comp, show)
            else:
                with work_dir(out.parent, "envkit-export-") as work:
                    squashfs = write_squashfs(src.tree, Path(work) / "rootfs.sqfs", src.epoch, layout, comp, show)
                    write_sif(out, squashfs, src.definitions[-1].text, layout.files[".singularity.d/labels.json"][1],
                              sbom, src.machine, epoch=src.epoch, image_id=src.image_id)
        finally:
            if show is not None:
                show.close()
    elif fmt in ("oci", "docker-archive"):
        from envkit.export.oci import write_oci
        from envkit.export.sif import goarch

        write_oci(src.tree, out, fmt=fmt, name=src.name, env=src.env, labels=image_labels_for(src), cmd=src.cmd,
                  arch=goarch(src.machine), created=src.created, epoch=src.epoch)
    else:
        import os

        from envkit.export.oci import layer_tar_argv
        from envkit.export.tools import run_tool

        with work_dir(out.parent, "envkit-export-") as work:
            tmp = Path(work) / "image.tar"
            run_tool(layer_tar_argv(src.tree, tmp, src.epoch), f"archiving {src.tree}", nice=True)
            os.replace(tmp, out)
    digest = sha256_file(out)
    sha_path, sbom_path = sidecars(out)
    atomic_write_text(sha_path, f"{digest}  {out.name}\n")   # modes from the umask
    atomic_write_text(sbom_path, sbom)
    return ExportResult(path=out, sha256=digest, sbom=sbom_path, fmt=fmt, seconds=time.monotonic() - started)


def export_site(opts: object, fmt: str, output: Path | None, reporter: object = None,
                compression: str | None = None, progress: bool = False) -> ExportResult:
    """Build the site's image when missing or stale (as `envkit run` does), then export it."""
    from envkit.pipeline.build import run_build

    if fmt not in EXTENSIONS:
        raise EnvkitError(f"--format must be one of {', '.join(EXTENSIONS)}, got {fmt!r}")
    if compression is not None:
        from envkit.export.squash import check_compression

        check_compression(compression)   # bad input fails before a build starts
    plan = run_build(opts, reporter)  # type: ignore[arg-type]
    src = ImageSource.from_plan(plan)
    return export_source(src, fmt, output or Path.cwd() / default_name(src.name, fmt), compression, progress)

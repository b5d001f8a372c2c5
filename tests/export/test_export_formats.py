"""Each export format from a small image tree, with the real tools (mksquashfs, siftool, umoci, skopeo):
SIF objects, the layout inside the partition, OCI config, reproducibility, verify catching damage."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from envkit.export.artifact import export_source
from envkit.export.sif import list_objects, read_object
from envkit.export.source import ImageSource
from envkit.export.verify import verify_artifact

from .conftest import needs_tools
from .test_export_units import APPTAINER_LAYOUT

pytestmark = needs_tools
pytest.importorskip("spdx_tools", reason="pip install 'envkit[export]'")


def _run(*argv: str) -> str:
    proc = subprocess.run(list(argv), capture_output=True, text=True)
    assert proc.returncode == 0, f"{argv}: {proc.stderr}"
    return proc.stdout


def test_sif_objects_and_layout(tiny_source: ImageSource, tmp_path: Path) -> None:
    result = export_source(tiny_source, "sif", tmp_path / "out" / "tiny.sif")
    listing = _run("siftool", "list", str(result.path))
    for kind in ("Def.FILE", "JSON.Labels", "SBOM (spdx-json)", "FS (Squashfs/*System/amd64)"):
        assert kind in listing, listing
    objects = {o.kind: o for o in list_objects(result.path)}
    assert read_object(result.path, objects["Def.FILE"]).decode() == tiny_source.definitions[-1].text
    labels = json.loads(read_object(result.path, objects["JSON.Labels"]))
    assert labels["org.envkit.site"] == "tiny"
    assert read_object(result.path, objects["SBOM (spdx-json)"]).decode() == result.sbom.read_text()
    part = tmp_path / "part.sqfs"
    with open(part, "wb") as handle:
        subprocess.run(["siftool", "dump", str(objects["FS (Squashfs/*System/amd64)"].id), str(result.path)],
                       stdout=handle, check=True)
    entries = {line.split("squashfs-root/", 1)[1].split(" -> ")[0]
               for line in _run("unsquashfs", "-ll", str(part)).splitlines() if "squashfs-root/" in line}
    assert set(APPTAINER_LAYOUT) <= entries, sorted(set(APPTAINER_LAYOUT) - entries)
    assert "opt/envkit/manifest/envkit-manifest.json" in entries and "ch/metadata.json" in entries
    owners = {line.split()[1] for line in _run("unsquashfs", "-ll", str(part)).splitlines() if "squashfs-root" in line}
    assert owners == {"root/root"}
    sha_line = (result.path.parent / "tiny.sif.sha256").read_text()
    assert sha_line == f"{result.sha256}  tiny.sif\n"
    assert (result.path.parent / "tiny.sif.sha256").stat().st_mode & 0o777 == 0o644     # shareable as the SIF
    assert result.sbom.stat().st_mode & 0o777 == 0o644
    proc = subprocess.run(["sha256sum", "--check", "tiny.sif.sha256"], cwd=result.path.parent, capture_output=True)
    assert proc.returncode == 0
    assert result.path.read_bytes()[:31] == b"#!/usr/bin/env run-singularity\n"
    report = verify_artifact(result.path)
    assert report.ok, report.checks


def test_exports_are_reproducible(tiny_source: ImageSource, tmp_path: Path) -> None:
    """Two exports of one tree, a file touched in between: every format byte-identical, the SIF included
    (its ID comes from the image, its header and descriptor times are the build time)."""
    first = {fmt: export_source(tiny_source, fmt, tmp_path / "a" / f"x.{fmt}") for fmt in
             ("sqfs", "tar", "oci", "docker-archive", "sif")}
    (tiny_source.tree / "etc/hostname").touch()          # a later mtime in the tree changes nothing
    second = {fmt: export_source(tiny_source, fmt, tmp_path / "b" / f"x.{fmt}") for fmt in first}
    for fmt in first:
        assert first[fmt].sha256 == second[fmt].sha256, fmt
    header = _run("siftool", "header", str(first["sif"].path))
    assert "Created At:           2026-11-29 09:00:00 +0000 UTC" in header
    assert f"ID:                   {tiny_source.image_id}" in header
    info = _run("siftool", "info", "4", str(first["sif"].path))
    assert "Modified At:      2026-11-29 09:00:00 +0000 UTC" in info and "Architecture:     amd64" in info
    assert first["sif"].sbom.read_text() == second["sif"].sbom.read_text()


def test_oci_archive_config_and_unpack(tiny_source: ImageSource, tmp_path: Path) -> None:
    result = export_source(tiny_source, "oci", tmp_path / "tiny.oci.tar")
    inspected = json.loads(_run("skopeo", "inspect", "--config", f"oci-archive:{result.path}"))
    assert "PATH=/opt/envkit/venv/bin:/usr/bin:/bin" in inspected["config"]["Env"]
    assert inspected["config"]["Labels"]["org.envkit.site"] == "tiny"
    assert inspected["architecture"] == "amd64" and inspected["created"] == "2026-11-29T09:00:00Z"
    layout = tmp_path / "layout"
    layout.mkdir()
    _run("tar", "-xf", str(result.path), "-C", str(layout))
    _run("umoci", "unpack", "--rootless", "--image", f"{layout}:latest", str(tmp_path / "bundle"))
    unpacked = tmp_path / "bundle" / "rootfs" / "opt/envkit/manifest/envkit-manifest.json"
    assert json.loads(unpacked.read_text())["tag"] == "envkit-tiny"
    docker = export_source(tiny_source, "docker-archive", tmp_path / "tiny.docker.tar")
    assert "PATH=/opt/envkit/venv/bin:/usr/bin:/bin" in json.loads(
        _run("skopeo", "inspect", f"docker-archive:{docker.path}"))["Env"]
    assert verify_artifact(result.path).ok and verify_artifact(docker.path).ok


def test_verify_catches_damage(tiny_source: ImageSource, tmp_path: Path) -> None:
    sif = export_source(tiny_source, "sif", tmp_path / "tiny.sif").path
    data = bytearray(sif.read_bytes())
    part = next(o for o in list_objects(sif) if o.kind.startswith("FS"))
    data[part.offset:part.offset + 4] = b"XXXX"                         # break the squashfs superblock
    sif.write_bytes(bytes(data))
    report = verify_artifact(sif)
    failed = {name for name, ok, _ in report.checks if not ok}
    assert {"sha256", "squashfs"} <= failed, report.checks
    oci = export_source(tiny_source, "oci", tmp_path / "tiny.oci.tar").path
    other = dict(tiny_source.manifest, pip={**tiny_source.manifest["pip"], "torch": "0.0.1"})
    from envkit.export.sbom import sbom_json

    oci.with_name(oci.name + ".spdx.json").write_text(sbom_json(other))   # an SBOM that lies about torch
    report = verify_artifact(oci)
    assert not report.ok and any("pypi torch: SBOM 0.0.1" in d for _, ok, d in report.checks if not ok)


def test_export_is_atomic_on_failure(tiny_source: ImageSource, tmp_path: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """siftool failing after mksquashfs ran: one-line error, nothing left in the output folder."""
    from envkit.errors import EnvkitError

    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "siftool").write_text("#!/bin/sh\necho 'siftool: disk full' >&2\nexit 1\n")
    (fake / "siftool").chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake}:{__import__('os').environ['PATH']}")
    out = tmp_path / "out" / "bad.sif"
    with pytest.raises(EnvkitError, match="disk full"):
        export_source(tiny_source, "sif", out)
    assert sorted(p.name for p in out.parent.iterdir()) == []          # nothing half-written left

"""`envkit verify FILE`: check an exported artifact's own structure and that its SBOM matches what is inside.

SIF: the launch line and `SIF_MAGIC` in the header, one definition, a JSON labels object,
an SPDX SBOM object, one squashfs primary system partition whose architecture matches the
labels, the partition's squashfs superblock; then the image manifest read out of the
partition (`siftool dump` + `unsquashfs -cat`) against the SBOM's package versions.
OCI archive: `index.json` -> manifest -> config and layers, every blob's sha256 and size
against its descriptor, `Env` in the config; the manifest read out of the layer against the
SBOM beside the archive (`FILE.spdx.json`). docker-archive: `skopeo inspect` reads it, and
its SBOM sidecar against the manifest inside. A `FILE.sha256` beside the artifact is checked too.

Example:
    >>> report = ArtifactReport(path="x.sif", kind="sif")
    >>> report.check("header", True, "SIF_MAGIC at 32"); report.ok
    True
    >>> report.check("sbom", False, "pypi torch: SBOM 2.0, image 2.1"); report.ok
    False
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from envkit.errors import EnvkitError

IMAGE_MANIFEST_REL = "opt/envkit/manifest/envkit-manifest.json"
SIF_LAUNCH = b"#!/usr/bin/env run-singularity\n"
SIF_MAGIC = b"SIF_MAGIC"


@dataclass
class ArtifactReport:
    """Each check with its outcome."""

    path: str
    kind: str
    checks: list[tuple[str, bool, str]] = field(default_factory=list)

    def check(self, name: str, ok: bool, detail: str) -> None:
        self.checks.append((name, bool(ok), detail))

    @property
    def ok(self) -> bool:
        return all(ok for _n, ok, _d in self.checks)

    def as_dict(self) -> dict[str, Any]:
        return {"path": self.path, "kind": self.kind, "ok": self.ok,
                "checks": [{"check": n, "ok": ok, "detail": d} for n, ok, d in self.checks]}


def artifact_kind(path: Path) -> str:
    """sif, oci, docker-archive or sqfs, from the file's bytes."""
    with open(path, "rb") as handle:
        head = handle.read(64)
    if head[32:41] == SIF_MAGIC:
        return "sif"
    if head[:4] == b"hsqs":
        return "sqfs"
    try:
        with tarfile.open(path) as tar:
            names = set(tar.getnames()[:50])
    except (tarfile.TarError, OSError):
        raise EnvkitError(f"{path}: neither a SIF, a squashfs nor a tar archive") from None
    if "index.json" in names or "./index.json" in names:
        return "oci"
    if "manifest.json" in names:
        return "docker-archive"
    raise EnvkitError(f"{path}: a tar archive without index.json (OCI) or manifest.json (docker-archive)")


def verify_artifact(path: Path) -> ArtifactReport:
    """Check `path`; the report says what passed and what failed."""
    if not path.is_file():
        raise EnvkitError(f"{path} does not exist")
    kind = artifact_kind(path)
    report = ArtifactReport(path=str(path), kind=kind)
    _check_sha256(path, report)
    if kind == "sif":
        _verify_sif(path, report)
    elif kind == "oci":
        _verify_oci(path, report)
    elif kind == "docker-archive":
        _verify_docker(path, report)
    else:
        inside = _cat_from_squashfs(path, IMAGE_MANIFEST_REL)
        _compare_sbom(_sidecar_sbom(path), inside, report)
    return report


def _check_sha256(path: Path, report: ArtifactReport) -> None:
    side = path.with_name(path.name + ".sha256")
    if not side.is_file():
        return
    from envkit.export.artifact import sha256_file

    want = side.read_text().split()[0] if side.read_text().split() else ""
    got = sha256_file(path)
    report.check("sha256", want == got, f"{side.name} says {want[:16]}..., file is {got[:16]}...")


def _verify_sif(path: Path, report: ArtifactReport) -> None:
    from envkit.export.sif import dump_object, list_objects, read_object

    with open(path, "rb") as handle:
        head = handle.read(64)
    report.check("header", head[32:41] == SIF_MAGIC, "SIF_MAGIC at byte 32" + (
        ", launch line #!/usr/bin/env run-singularity" if head.startswith(SIF_LAUNCH) else ", no launch line"))
    objects = list_objects(path)
    by_kind: dict[str, list[Any]] = {}
    for obj in objects:
        by_kind.setdefault(obj.kind.split(" ")[0].split("(")[0], []).append(obj)
    deffiles, labels, sboms = by_kind.get("Def.FILE", []), by_kind.get("JSON.Labels", []), by_kind.get("SBOM", [])
    parts = [o for o in by_kind.get("FS", []) if "*System" in o.kind]
    report.check("definition", len(deffiles) == 1, f"{len(deffiles)} definition object(s)")
    report.check("partition", len(parts) == 1 and "Squashfs" in parts[0].kind if parts else False,
                 f"{parts[0].kind if parts else 'no primary system partition'}")
    label_data: dict[str, Any] = {}
    if labels:
        try:
            label_data = json.loads(read_object(path, labels[0]))
        except ValueError:
            label_data = {}
    report.check("labels", isinstance(label_data, dict) and bool(label_data),
                 f"{len(label_data)} label(s) in the JSON labels object")
    if parts:
        arch = parts[0].kind.rstrip(")").rsplit("/", 1)[-1]
        want = label_data.get("org.label-schema.build-arch")
        report.check("architecture", want == arch, f"partition {arch}, labels {want}")
        with open(path, "rb") as handle:
            handle.seek(parts[0].offset)
            magic = handle.read(4)
        report.check("squashfs", magic == b"hsqs", f"superblock magic {magic!r} at offset {parts[0].offset}")
    sbom_text = read_object(path, sboms[0]).decode() if sboms else ""
    report.check("sbom object", bool(sboms) and "spdx-json" in sboms[0].kind, sboms[0].kind if sboms else "none")
    if not (parts and sboms):
        return
    with tempfile.TemporaryDirectory(prefix="envkit-verify-", dir=path.parent) as work:
        part = dump_object(path, parts[0].id, Path(work) / "rootfs.sqfs")
        inside = _cat_from_squashfs(part, IMAGE_MANIFEST_REL)
    _compare_sbom(sbom_text, inside, report)


def _cat_from_squashfs(squashfs: Path, rel: str) -> str | None:
    from envkit.export.tools import require

    require("unsquashfs")
    proc = subprocess.run(["unsquashfs", "-cat", str(squashfs), rel], capture_output=True, text=True)
    return proc.stdout if proc.returncode == 0 and proc.stdout.strip() else None


def _sidecar_sbom(path: Path) -> str:
    side = path.with_name(path.name + ".spdx.json")
    return side.read_text() if side.is_file() else ""


def _compare_sbom(sbom_text: str, inside: str | None, report: ArtifactReport) -> None:
    from envkit.export.sbom import mismatches, parse_sbom

    if not sbom_text:
        report.check("sbom", False, "no SBOM (in the artifact or beside it as FILE.spdx.json)")
        return
    try:
        parse_sbom(sbom_text)
        report.check("spdx", True, "the SBOM validates as SPDX 2.3 (spdx-tools)")
    except EnvkitError as exc:
        report.check("spdx", False, str(exc))
        return
    if inside is None:
        report.check("sbom", False, f"the image holds no /{IMAGE_MANIFEST_REL} to compare the SBOM with")
        return
    diffs = mismatches(json.loads(sbom_text), json.loads(inside))
    report.check("sbom", not diffs, "SBOM matches the image's manifest" if not diffs
                 else f"{len(diffs)} difference(s), first: {diffs[0]}")


def _blob_ok(tar: tarfile.TarFile, prefix: str, descriptor: dict[str, Any]) -> tuple[bool, str]:
    """Whether a blob's sha256 and size match its descriptor."""
    algo, _, hexdigest = str(descriptor.get("digest", "")).partition(":")
    try:
        member = tar.extractfile(f"{prefix}blobs/{algo}/{hexdigest}")
    except KeyError:
        member = None
    if member is None or algo not in hashlib.algorithms_available:
        return False, f"blob {algo}:{hexdigest[:12]} missing"
    digest, size = hashlib.new(algo), 0
    for block in iter(lambda: member.read(1 << 22), b""):
        digest.update(block)
        size += len(block)
    ok = digest.hexdigest() == hexdigest and size == descriptor.get("size")
    return ok, f"{algo}:{hexdigest[:12]} {size} bytes" + ("" if ok else " (digest or size differs)")


def _verify_oci(path: Path, report: ArtifactReport) -> None:
    with tarfile.open(path) as tar:
        prefix = "./" if "./index.json" in tar.getnames() else ""

        def load(name: str) -> Any:
            member = tar.extractfile(prefix + name)
            return json.loads(member.read()) if member else {}

        def blob(descriptor: dict[str, Any]) -> Any:
            algo, _, hexdigest = descriptor["digest"].partition(":")
            return load(f"blobs/{algo}/{hexdigest}")

        index = load("index.json")
        manifests = index.get("manifests", [])
        report.check("index", len(manifests) >= 1, f"{len(manifests)} manifest(s) in index.json")
        if not manifests:
            return
        ok, detail = _blob_ok(tar, prefix, manifests[0])
        report.check("manifest digest", ok, detail)
        manifest = blob(manifests[0])
        ok, detail = _blob_ok(tar, prefix, manifest["config"])
        report.check("config digest", ok, detail)
        for number, layer in enumerate(manifest.get("layers", [])):
            ok, detail = _blob_ok(tar, prefix, layer)
            report.check(f"layer {number} digest", ok, detail)
        config = blob(manifest["config"])
        env = (config.get("config") or {}).get("Env") or []
        report.check("config env", bool(env), f"{len(env)} variable(s) in the config's Env")
        inside = None
        for layer in manifest.get("layers", []):
            algo, _, hexdigest = layer["digest"].partition(":")
            member = tar.extractfile(f"{prefix}blobs/{algo}/{hexdigest}")
            inside = _file_from_layer(member, IMAGE_MANIFEST_REL) if member else None
    _compare_sbom(_sidecar_sbom(path), inside, report)


def _file_from_layer(stream: Any, rel: str) -> str | None:
    """One file's text out of a (gzip) layer tar stream."""
    with tarfile.open(fileobj=stream, mode="r|*") as layer:
        for member in layer:
            if member.name.lstrip("./") == rel or member.name == f"./{rel}":
                handle = layer.extractfile(member)
                return handle.read().decode() if handle else None
    return None


def _verify_docker(path: Path, report: ArtifactReport) -> None:
    from envkit.export.tools import run_tool

    data = json.loads(run_tool(["skopeo", "inspect", "--config", f"docker-archive:{path}"], f"reading {path}"))
    env = (data.get("config") or {}).get("Env") or []
    report.check("config env", bool(env), f"skopeo reads it; {len(env)} variable(s) in Env")
    with tarfile.open(path) as tar:
        member = tar.extractfile("manifest.json")
        entries = json.loads(member.read()) if member else []
        inside = None
        for layer_name in (entries[0].get("Layers", []) if entries else []):
            stream = tar.extractfile(layer_name)
            inside = _file_from_layer(stream, IMAGE_MANIFEST_REL) if stream else None
            if inside:
                break
    report.check("layers", bool(entries), f"{len(entries)} image(s) in manifest.json")
    _compare_sbom(_sidecar_sbom(path), inside, report)

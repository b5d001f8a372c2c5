"""The image's bill of materials as SPDX 2.3 JSON, written and validated by `spdx-tools`.

Everything comes from the build manifest (read from inside the image at build time, the
same facts `envkit inspect` prints): every dpkg package, every Python distribution with
its version, the MPI library, CUDA when the image has it, the profile and recipe hashes.
The document is a pure function of the manifest (its time is the build time, its
namespace is derived from the layer's cache key), so two exports of one image give the
same SBOM bytes.

Example:
    >>> manifest = {"tag": "envkit-local", "cache_key": "ab" * 32, "built_at": "2026-11-29T09:00:00+00:00",
    ...             "arch": "x86_64", "pip": {"numpy": "2.3.0"}, "dpkg": {"openmpi-bin": "4.1.4-3+b1"},
    ...             "mpi": {"mpirun": "mpirun (Open MPI) 4.1.4"}, "torch": {"version": "2.14.1", "cuda": None},
    ...             "profile_hash": "5e867c39bf094198", "recipe_hash": "0123456789abcdef"}
    >>> doc = sbom_document(manifest)
    >>> sorted(p.name for p in doc.packages)
    ['envkit-local', 'numpy', 'openmpi', 'openmpi-bin']
    >>> package_versions(json.loads(sbom_json(manifest)))["pypi"]["numpy"]
    '2.3.0'
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import uuid
from typing import Any
from urllib.parse import quote

from envkit.errors import EnvkitError

SPDX_VERSION = "SPDX-2.3"
SBOM_NAME = "sbom.spdx.json"
NAMESPACE_ROOT = "https://spdx.org/spdxdocs/envkit"      # the convention SPDX's own examples use
DEB_ARCH = {"x86_64": "amd64", "aarch64": "arm64", "ppc64le": "ppc64el"}
_ID_BAD = re.compile(r"[^A-Za-z0-9.-]")


def _spdx_id(kind: str, name: str) -> str:
    return f"SPDXRef-{kind}-{_ID_BAD.sub('-', name)}"


def _purl(kind: str, name: str, version: str, **qualifiers: str) -> str:
    quals = "&".join(f"{k}={quote(v, safe='')}" for k, v in sorted(qualifiers.items()) if v)
    return f"pkg:{kind}/{name}@{quote(version, safe='.-_~')}" + (f"?{quals}" if quals else "")


def _created(manifest: dict[str, Any]) -> dt.datetime:
    text = manifest.get("built_at")
    if not text:
        raise EnvkitError("the image's manifest has no built_at time (rebuild the image)")
    stamp = dt.datetime.fromisoformat(str(text))
    return (stamp if stamp.tzinfo else stamp.replace(tzinfo=dt.timezone.utc)).astimezone(dt.timezone.utc) \
        .replace(tzinfo=None)


def sbom_document(manifest: dict[str, Any]) -> Any:
    """The spdx-tools Document for an image manifest (see the module example)."""
    from spdx_tools.spdx.model import (
        Actor,
        ActorType,
        CreationInfo,
        Document,
        ExternalPackageRef,
        ExternalPackageRefCategory,
        Package,
        PackagePurpose,
        Relationship,
        RelationshipType,
        SpdxNoAssertion,
    )

    from envkit import __version__
    from envkit.store.image_manifest import _clean, mpi_vendor, mpi_version

    manifest = _clean(manifest)
    tag = str(manifest.get("tag") or manifest.get("image") or "envkit-image").rsplit("/", 1)[-1]
    key = str(manifest.get("cache_key") or "")
    created = _created(manifest)
    arch = DEB_ARCH.get(str(manifest.get("arch")), str(manifest.get("arch") or ""))
    distro = "-".join(x for x in ((manifest.get("os") or {}).get("id"), (manifest.get("os") or {}).get("version_id"))
                      if x)
    noassert = SpdxNoAssertion()

    def package(kind: str, name: str, version: str, purl: str | None, comment: str | None = None,
                purpose: Any = PackagePurpose.LIBRARY) -> Any:
        refs = [ExternalPackageRef(ExternalPackageRefCategory.PACKAGE_MANAGER, "purl", purl)] if purl else []
        return Package(spdx_id=_spdx_id(kind, name), name=name, version=version, download_location=noassert,
                       files_analyzed=False, license_concluded=noassert, license_declared=noassert,
                       copyright_text=noassert, external_references=refs, comment=comment,
                       primary_package_purpose=purpose)

    image = package("Image", tag, key[:16] or "unknown", None, purpose=PackagePurpose.CONTAINER, comment=(
        f"envkit image {tag} for site {manifest.get('site')}; profile hash {manifest.get('profile_hash')}; "
        f"recipe hash {manifest.get('recipe_hash')}; cache key {key}; engine {manifest.get('engine')}"))
    packages = [image]
    for name, version in sorted((manifest.get("dpkg") or {}).items()):
        packages.append(package("deb", name, version, _purl("deb", f"debian/{name}", version, arch=arch,
                                                               distro=distro)))
    torch = manifest.get("torch") or {}
    for name, version in sorted((manifest.get("pip") or {}).items()):
        note = None
        if name == "torch" and torch.get("version"):   # the build's own version says more (e.g. 2.14.1+cu130)
            note = f"torch.__version__ {torch['version']}; CUDA {torch.get('cuda') or 'none'}"
        packages.append(package("pypi", name, version, _purl("pypi", name.lower(), version), comment=note))
    mpi = manifest.get("mpi") or {}
    vendor, version = mpi_vendor(mpi.get("mpirun", "")), mpi_version(mpi.get("mpirun", ""))
    if vendor and version:
        packages.append(package("mpi", vendor, version, None,
                                comment=f"MPI: {mpi.get('mpirun')}; library: {mpi.get('library', '-')}"))
    if torch.get("cuda"):
        packages.append(package("cuda", "cuda", str(torch["cuda"]), None, comment=(
            f"CUDA runtime torch was built with; cuDNN {torch.get('cudnn')}, NCCL {torch.get('nccl')}")))
    relationships = [Relationship("SPDXRef-DOCUMENT", RelationshipType.DESCRIBES, image.spdx_id)]
    relationships += [Relationship(image.spdx_id, RelationshipType.CONTAINS, p.spdx_id) for p in packages[1:]]
    namespace = f"{NAMESPACE_ROOT}/{tag}-{uuid.uuid5(uuid.NAMESPACE_URL, f'envkit:{tag}:{key}')}"
    info = CreationInfo(spdx_version=SPDX_VERSION, spdx_id="SPDXRef-DOCUMENT", name=f"{tag} image contents",
                        document_namespace=namespace, creators=[Actor(ActorType.TOOL, f"envkit-{__version__}")],
                        created=created, document_comment=(
                            f"profile_hash={manifest.get('profile_hash')} recipe_hash={manifest.get('recipe_hash')}"))
    return Document(creation_info=info, packages=packages, relationships=relationships)


def validate(document: Any) -> list[str]:
    """spdx-tools' full SPDX 2.3 validation: one message per problem (empty: valid)."""
    from spdx_tools.spdx.validation.document_validator import validate_full_spdx_document

    return [m.validation_message for m in validate_full_spdx_document(document, SPDX_VERSION)]


def sbom_json(manifest: dict[str, Any]) -> str:
    """The validated SPDX 2.3 JSON text for an image manifest; EnvkitError when it does not validate."""
    from spdx_tools.spdx.writer.json.json_writer import write_document_to_stream

    document = sbom_document(manifest)
    problems = validate(document)
    if problems:
        raise EnvkitError(f"the SBOM does not validate as SPDX 2.3: {problems[0]} ({len(problems)} problem(s))")
    stream = io.StringIO()
    write_document_to_stream(document, stream, validate=False)
    return json.dumps(json.loads(stream.getvalue()), indent=1, sort_keys=True) + "\n"


def parse_sbom(text: str) -> Any:
    """Parse and validate SPDX JSON text with spdx-tools; EnvkitError with the first problem."""
    import tempfile

    from spdx_tools.spdx.parser.parse_anything import parse_file

    with tempfile.NamedTemporaryFile("w", suffix=".spdx.json") as handle:
        handle.write(text)
        handle.flush()
        try:
            document = parse_file(handle.name)
        except Exception as exc:   # spdx-tools raises its own SPDXParsingError
            raise EnvkitError(f"the SBOM is not SPDX JSON: {' '.join(str(exc).split())[:200]}") from None
    problems = validate(document)
    if problems:
        raise EnvkitError(f"the SBOM does not validate as SPDX 2.3: {problems[0]}")
    return document


def package_versions(sbom: dict[str, Any]) -> dict[str, dict[str, str]]:
    """{"deb": {name: version}, "pypi": {...}, "mpi": {...}, "cuda": {...}} from SPDX JSON (as a dict)."""
    out: dict[str, dict[str, str]] = {"deb": {}, "pypi": {}, "mpi": {}, "cuda": {}}
    for pkg in sbom.get("packages", []):
        kind = pkg.get("SPDXID", "").split("-")[1] if pkg.get("SPDXID", "").count("-") >= 2 else ""
        if kind in out:
            out[kind][pkg["name"]] = pkg.get("versionInfo", "")
    return out


def manifest_versions(manifest: dict[str, Any]) -> dict[str, dict[str, str]]:
    """The same shape as package_versions, from a manifest: what the SBOM must say."""
    from envkit.store.image_manifest import _clean, mpi_vendor, mpi_version

    manifest = _clean(manifest)
    mpi = (manifest.get("mpi") or {}).get("mpirun", "")
    cuda = (manifest.get("torch") or {}).get("cuda")
    return {"deb": dict(manifest.get("dpkg") or {}), "pypi": dict(manifest.get("pip") or {}),
            "mpi": {mpi_vendor(mpi): mpi_version(mpi)} if mpi_vendor(mpi) and mpi_version(mpi) else {},
            "cuda": {"cuda": str(cuda)} if cuda else {}}


def mismatches(sbom: dict[str, Any], manifest: dict[str, Any]) -> list[str]:
    """Where an SBOM and a manifest disagree, one line each (empty: they agree)."""
    have, want = package_versions(sbom), manifest_versions(manifest)
    out = []
    for kind in want:
        for name in sorted(set(have[kind]) | set(want[kind])):
            if have[kind].get(name) != want[kind].get(name):
                out.append(f"{kind} {name}: SBOM {have[kind].get(name, 'missing')}, "
                           f"image {want[kind].get(name, 'missing')}")
    return out

"""Move exported images through an OCI registry: the SIF as an ORAS artifact, the OCI image with skopeo.

The SIF goes up the way Apptainer's `oras://` does it (one layer of media type
`application/vnd.sylabs.sif.layer.v1.sif`, config `application/vnd.sylabs.sif.config.v1+json`;
Apptainer internal/pkg/client/oras), so `apptainer pull oras://REF` reads it; the SBOM goes
up beside it as its own artifact at `REF-sbom` (Apptainer's oras pull takes a manifest with
one layer, so the SBOM is not a second layer). The OCI image goes with
`skopeo copy oci-archive:FILE docker://REF`. Plain HTTP is used for a loopback registry only,
or when asked (`plain_http=True`).

Example:
    >>> split_ref("127.0.0.1:5000/envkit/local:sif")
    ('127.0.0.1:5000', 'envkit/local', 'sif')
    >>> is_loopback("127.0.0.1:5000"), is_loopback("registry.example.org")
    (True, False)
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from pathlib import Path
from typing import Any

from envkit.errors import EnvkitError

SIF_LAYER = "application/vnd.sylabs.sif.layer.v1.sif"
SIF_CONFIG = "application/vnd.sylabs.sif.config.v1+json"
SBOM_LAYER = "application/spdx+json"
SBOM_CONFIG = "application/vnd.oci.image.config.v1+json"
CHUNK = 64 << 20      # oras-py reads a whole blob into memory unless it uploads in chunks


def split_ref(ref: str) -> tuple[str, str, str]:
    """'host[:port]/repo[:tag]' -> (host, repo, tag); the tag defaults to latest."""
    ref = ref.removeprefix("oras://").removeprefix("docker://")
    host, _, rest = ref.partition("/")
    if not rest or ("." not in host and ":" not in host and host != "localhost"):
        raise EnvkitError(f"registry reference {ref!r} must look like HOST[:PORT]/REPO[:TAG]")
    repo, _, tag = rest.rpartition(":") if ":" in rest.rsplit("/", 1)[-1] else (rest, "", "latest")
    return host, repo, tag or "latest"


def is_loopback(host: str) -> bool:
    """Whether a registry host is this machine (plain HTTP is allowed there)."""
    name = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    return name in ("127.0.0.1", "localhost", "[::1]")


def _client(host: str, plain_http: bool) -> Any:
    try:
        import oras.client
        import oras.logger
    except ImportError:
        raise EnvkitError("the oras package is missing (pip install 'envkit[export]')") from None
    oras.logger.setup_logger(quiet=True)
    logging.getLogger("oras.logger").setLevel(logging.CRITICAL)   # errors reach the user as envkit's one line
    return oras.client.OrasClient(hostname=host, insecure=plain_http)


def push_sif(sif: Path, ref: str, plain_http: bool | None = None) -> dict[str, Any]:
    """Push a SIF (and its SBOM sidecar, when there is one) to `ref`; returns the pushed manifest."""
    host, repo, tag = split_ref(ref)
    plain = is_loopback(host) if plain_http is None else plain_http
    client = _client(host, plain)
    sif = sif.absolute()
    with tempfile.TemporaryDirectory(prefix="envkit-push-") as work:
        config = Path(work) / "config.json"
        config.write_text("{}")
        cwd = os.getcwd()
        os.chdir(sif.parent)      # oras-py names the layer by the path it is given: give it the bare name
        try:
            _check(client.push(target=f"{host}/{repo}:{tag}", files=[f"{sif.name}:{SIF_LAYER}"],
                               manifest_config=f"{config}:{SIF_CONFIG}", do_chunked=True, chunk_size=CHUNK,
                               disable_path_validation=True, quiet=True), ref)
            sbom = sif.with_name(sif.name + ".spdx.json")
            if sbom.is_file():
                _check(client.push(target=f"{host}/{repo}:{tag}-sbom", files=[f"{sbom.name}:{SBOM_LAYER}"],
                                   manifest_config=f"{config}:{SBOM_CONFIG}", disable_path_validation=True,
                                   manifest_annotations={"org.envkit.sbom-of": f"{repo}:{tag}"}, quiet=True),
                       f"{ref}-sbom")
        except EnvkitError:
            raise
        except Exception as exc:   # requests / oras errors: one line
            raise EnvkitError(f"pushing {sif.name} to {ref} failed: {' '.join(str(exc).split())[:200]}") from None
        finally:
            os.chdir(cwd)
    return client.get_manifest(f"{host}/{repo}:{tag}")


def _check(response: Any, ref: str) -> None:
    status = getattr(response, "status_code", 0)
    if status not in (200, 201, 202):
        raise EnvkitError(f"the registry refused {ref} (HTTP {status})")


def pull_sif(ref: str, out: Path, plain_http: bool | None = None) -> Path:
    """Pull the SIF at `ref` into `out` (whole or not at all); its sha256 must equal the manifest's digest."""
    from envkit.export.artifact import sha256_file

    host, repo, tag = split_ref(ref)
    plain = is_loopback(host) if plain_http is None else plain_http
    client = _client(host, plain)
    try:
        manifest = client.get_manifest(f"{host}/{repo}:{tag}")
    except Exception as exc:
        raise EnvkitError(f"cannot read {ref}: {' '.join(str(exc).split())[:200]}") from None
    layers = [x for x in manifest.get("layers", []) if x.get("mediaType") == SIF_LAYER]
    if len(layers) != 1:
        raise EnvkitError(f"{ref} is not a SIF artifact (no layer of media type {SIF_LAYER})")
    out = out.absolute()
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="envkit-pull-", dir=out.parent) as work:
        tmp = Path(work) / "image.sif"
        client.download_blob(f"{host}/{repo}:{tag}", layers[0]["digest"], str(tmp))
        got = f"sha256:{sha256_file(tmp)}"
        if got != layers[0]["digest"]:
            raise EnvkitError(f"{ref}: the pulled SIF's digest {got} differs from the manifest's {layers[0]['digest']}")
        os.chmod(tmp, 0o755)
        os.replace(tmp, out)
    from envkit.fsutil import atomic_write_text

    atomic_write_text(out.with_name(out.name + ".sha256"), f"{got.split(':', 1)[1]}  {out.name}\n", mode=0o644)
    return out


def _skopeo_tls(host: str, plain_http: bool | None, side: str) -> list[str]:
    plain = is_loopback(host) if plain_http is None else plain_http
    return [f"--{side}-tls-verify=false"] if plain else []


def push_oci(archive: Path, ref: str, plain_http: bool | None = None) -> None:
    """`skopeo copy oci-archive:FILE docker://REF` (docker-archive files too)."""
    from envkit.export.tools import require, run_tool
    from envkit.export.verify import artifact_kind

    require("skopeo")
    host, repo, tag = split_ref(ref)
    kind = artifact_kind(archive)
    if kind not in ("oci", "docker-archive"):
        raise EnvkitError(f"{archive} is a {kind}, not an OCI or docker archive (use --format sif for a SIF)")
    source = f"oci-archive:{archive}" if kind == "oci" else f"docker-archive:{archive}"
    run_tool(["skopeo", "copy", "--quiet", *_skopeo_tls(host, plain_http, "dest"), source,
              f"docker://{host}/{repo}:{tag}"], f"pushing {archive.name} to {ref}", nice=True)


def pull_oci(ref: str, out: Path, plain_http: bool | None = None) -> Path:
    """`skopeo copy docker://REF oci-archive:FILE` (whole or not at all)."""
    from envkit.export.tools import require, run_tool

    require("skopeo")
    host, repo, tag = split_ref(ref)
    out = out.absolute()
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="envkit-pull-", dir=out.parent) as work:
        tmp = Path(work) / "image.oci.tar"
        run_tool(["skopeo", "copy", "--quiet", *_skopeo_tls(host, plain_http, "src"), f"docker://{host}/{repo}:{tag}",
                  f"oci-archive:{tmp}:{tag}"], f"pulling {ref}", nice=True)
        os.replace(tmp, out)
    return out


def inspect_remote(ref: str, plain_http: bool | None = None) -> dict[str, Any]:
    """`skopeo inspect --config docker://REF` as a dict (the image config: Env, Labels, Cmd...)."""
    from envkit.export.tools import run_tool

    host, repo, tag = split_ref(ref)
    plain = is_loopback(host) if plain_http is None else plain_http
    return json.loads(run_tool(["skopeo", "inspect", "--config", *(["--tls-verify=false"] if plain else []),
                                f"docker://{host}/{repo}:{tag}"], f"inspecting {ref}"))

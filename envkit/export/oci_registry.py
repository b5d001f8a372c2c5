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

import contextlib
import functools
import json
import logging
import math
import os
import signal
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from envkit.errors import EnvkitError
from envkit.fsutil import new_exec_mode

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


@dataclass(frozen=True)
class Timeouts:
    """Seconds to wait for a registry: `connect` for each connection, `total` for the whole push or pull.
    Defaults from $ENVKIT_REGISTRY_CONNECT_TIMEOUT (10) and $ENVKIT_REGISTRY_TIMEOUT (1800), or --timeout.

    >>> Timeouts(connect=2, total=5).connect
    2.0
    """

    connect: float = 10.0
    total: float = 1800.0

    def __post_init__(self) -> None:
        for name in ("connect", "total"):
            value = float(getattr(self, name))
            if not math.isfinite(value) or value <= 0:
                raise EnvkitError(f"registry {name} timeout {value}: expected seconds above 0")
            object.__setattr__(self, name, value)

    @classmethod
    def from_env(cls, total: float | None = None) -> Timeouts:
        """The configured timeouts; `total` (e.g. --timeout) wins over the environment."""
        def env(name: str, default: float) -> float:
            text = os.environ.get(name, "")
            try:
                return float(text) if text else default
            except ValueError:
                raise EnvkitError(f"${name}={text[:20]!r}: expected seconds") from None

        return cls(connect=env("ENVKIT_REGISTRY_CONNECT_TIMEOUT", 10.0),
                   total=total if total is not None else env("ENVKIT_REGISTRY_TIMEOUT", 1800.0))


class _Expired(BaseException):
    """The total time of a push or pull ran out (a BaseException: no library's `except Exception` eats it)."""


@contextlib.contextmanager
def deadline(seconds: float, what: str) -> Iterator[None]:
    """Raise a one-line EnvkitError when the block runs longer than `seconds` (SIGALRM: the main thread of
    the command line; elsewhere the block runs without a total limit, its connections still time out)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def _expired(_signum: int, _frame: Any) -> None:
        raise _Expired   # not a TimeoutError: requests and urllib3 would catch that one and retry

    old = signal.signal(signal.SIGALRM, _expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    except _Expired:
        raise EnvkitError(f"{what}: no answer within {seconds:g} s (the registry is down or unreachable; "
                          "--timeout or $ENVKIT_REGISTRY_TIMEOUT sets the limit)") from None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def _client(host: str, plain_http: bool, timeouts: Timeouts | None = None) -> Any:
    try:
        import oras.client
        import oras.logger
    except ImportError:
        raise EnvkitError("the oras package is missing (pip install 'envkit[export]')") from None
    oras.logger.setup_logger(quiet=True)
    logging.getLogger("oras.logger").setLevel(logging.CRITICAL)   # errors reach the user as envkit's one line
    client = oras.client.OrasClient(hostname=host, insecure=plain_http)
    limits = timeouts or Timeouts.from_env()
    session = client.session
    session.request = functools.partial(session.request, timeout=(limits.connect, limits.connect * 6))
    return client


def push_sif(sif: Path, ref: str, plain_http: bool | None = None,
             timeouts: Timeouts | None = None) -> dict[str, Any]:
    """Push a SIF (and its SBOM sidecar, when there is one) to `ref`, after `envkit verify` passes on it;
    returns the pushed manifest. Ends within `timeouts.total` seconds."""
    from envkit.export.verify import verify_artifact

    report = verify_artifact(sif)
    if not report.ok:
        failed = next(f"{n}: {d}" for n, ok, d in report.checks if not ok)
        raise EnvkitError(f"{sif}: not pushed, it fails verification ({failed[:160]})")
    limits = timeouts or Timeouts.from_env()
    with deadline(limits.total, f"pushing {sif.name} to {ref}"):
        return _push_sif(sif, ref, plain_http, limits)


def _push_sif(sif: Path, ref: str, plain_http: bool | None, limits: Timeouts) -> dict[str, Any]:
    host, repo, tag = split_ref(ref)
    plain = is_loopback(host) if plain_http is None else plain_http
    client = _client(host, plain, limits)
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
    try:
        return client.get_manifest(f"{host}/{repo}:{tag}")
    except Exception as exc:
        raise EnvkitError(f"cannot read back {ref}: {' '.join(str(exc).split())[:200]}") from None


def _check(response: Any, ref: str) -> None:
    status = getattr(response, "status_code", 0)
    if status not in (200, 201, 202):
        raise EnvkitError(f"the registry refused {ref} (HTTP {status})")


def pull_sif(ref: str, out: Path, plain_http: bool | None = None, timeouts: Timeouts | None = None) -> Path:
    """Pull the SIF at `ref` into `out` (whole or not at all); its sha256 must equal the manifest's digest.
    Ends within `timeouts.total` seconds."""
    from envkit.fsutil import check_output

    check_output(out, "-o")
    limits = timeouts or Timeouts.from_env()
    with deadline(limits.total, f"pulling {ref}"):
        return _pull_sif(ref, out, plain_http, limits)


def _pull_sif(ref: str, out: Path, plain_http: bool | None, limits: Timeouts) -> Path:
    from envkit.export.artifact import sha256_file

    host, repo, tag = split_ref(ref)
    plain = is_loopback(host) if plain_http is None else plain_http
    client = _client(host, plain, limits)
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
        try:
            client.download_blob(f"{host}/{repo}:{tag}", layers[0]["digest"], str(tmp))
        except Exception as exc:
            raise EnvkitError(f"cannot download {ref}: {' '.join(str(exc).split())[:200]}") from None
        got = f"sha256:{sha256_file(tmp)}"
        if got != layers[0]["digest"]:
            raise EnvkitError(f"{ref}: the pulled SIF's digest {got} differs from the manifest's {layers[0]['digest']}")
        os.chmod(tmp, new_exec_mode())   # a SIF runs itself (its launch line); the umask decides who may
        os.replace(tmp, out)
    from envkit.fsutil import atomic_write_text

    atomic_write_text(out.with_name(out.name + ".sha256"), f"{got.split(':', 1)[1]}  {out.name}\n")
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
    run_tool(["skopeo", f"--command-timeout={Timeouts.from_env().total:g}s", "copy", "--quiet",
              *_skopeo_tls(host, plain_http, "dest"), source,
              f"docker://{host}/{repo}:{tag}"], f"pushing {archive.name} to {ref}", nice=True)


def pull_oci(ref: str, out: Path, plain_http: bool | None = None) -> Path:
    """`skopeo copy docker://REF oci-archive:FILE` (whole or not at all)."""
    from envkit.export.tools import require, run_tool

    require("skopeo")
    from envkit.fsutil import check_output

    check_output(out, "-o")
    host, repo, tag = split_ref(ref)
    out = out.absolute()
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="envkit-pull-", dir=out.parent) as work:
        tmp = Path(work) / "image.oci.tar"
        run_tool(["skopeo", f"--command-timeout={Timeouts.from_env().total:g}s", "copy", "--quiet",
                  *_skopeo_tls(host, plain_http, "src"), f"docker://{host}/{repo}:{tag}",
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

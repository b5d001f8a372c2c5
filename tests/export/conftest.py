"""Fixtures for the export tests: a small image tree with a manifest, a loopback registry.

The small tree stands in for an image in the structural tests (layout, SIF objects, OCI
config, reproducibility, registry round trip): the formats do not depend on the tree's size.
One test (test_export_local.py) exports the real local image end to end.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from envkit.export.source import ImageSource
from envkit.recipe.formats import definition_parts
from envkit.recipe.model import Layer

MANIFEST = {
    "tag": "envkit-tiny", "site": "tiny", "cache_key": "ab" * 32, "built_at": "2026-11-29T09:00:00+00:00",
    "arch": "x86_64", "os": {"id": "debian", "version_id": "12", "pretty_name": "Debian GNU/Linux 12 (bookworm)"},
    "pip": {"numpy": "2.3.0", "torch": "2.14.1", "mpi4py": "4.1.0"},
    "dpkg": {"openmpi-bin": "4.1.4-3+b1", "libc6": "2.36-9+deb12u13"},
    "mpi": {"mpirun": "mpirun (Open MPI) 4.1.4", "library": "Open MPI v4.1.4"},
    "torch": {"version": "2.14.1", "cuda": None}, "profile_hash": "5e867c39bf094198",
    "recipe_hash": "0123456789abcdef",
}
# The tiny image's two layers, rendered as every export renders them (definition text and parts, one template)
BASE_LAYER = Layer(kind="base", tag="envkit-base-tiny", image="debian:12", post="true\n", test="true\n",
                   help="the tiny base", environment=(("ENVKIT_HOME", "/opt/envkit"),))
SITE_LAYER = Layer(kind="site", tag="envkit-tiny", parent="envkit-base-tiny", post="true\n", test="set -eu\ntrue\n",
                   help="a tiny image", labels=(("org.envkit.site", "tiny"),), environment=(("ENVKIT_SITE", "tiny"),))
BASE_PARTS = definition_parts(BASE_LAYER, "tiny")
SITE_PARTS = definition_parts(SITE_LAYER, "tiny")
TOOLS = ("mksquashfs", "unsquashfs", "siftool", "umoci", "skopeo", "tar")


def missing_tools(*tools: str) -> list[str]:
    return [t for t in (tools or TOOLS) if shutil.which(t) is None]


needs_tools = pytest.mark.skipif(bool(missing_tools()), reason=f"export tools missing ({', '.join(missing_tools())}):"
                                 " apt-get install squashfs-tools siftool umoci skopeo")


@pytest.fixture()
def tiny_source(tmp_path: Path) -> ImageSource:
    """A small image tree (a few files, Charliecloud's ch/metadata.json, envkit's manifest) and its facts."""
    tree = tmp_path / "tree"
    for folder in ("bin", "etc", "ch", "opt/envkit/manifest", "usr/share/doc/x"):
        (tree / folder).mkdir(parents=True)
    (tree / "etc/hostname").write_text("tiny\n")
    (tree / "usr/share/doc/x/README").write_text("x" * 10000)
    (tree / "ch/metadata.json").write_text(json.dumps({"env": {"PATH": "/opt/envkit/venv/bin:/usr/bin:/bin",
                                                               "ENVKIT_SITE": "tiny"}}))
    (tree / "opt/envkit/manifest/envkit-manifest.json").write_text(json.dumps(MANIFEST))
    return ImageSource.from_tree(tree, "envkit-tiny", dict(MANIFEST), [BASE_PARTS, SITE_PARTS],
                                 {"org.envkit.site": "tiny"})


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def loopback_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Debian's docker-registry (distribution 2.8) on 127.0.0.1 only, started here, stopped after."""
    if shutil.which("docker-registry") is None:
        pytest.skip("docker-registry not installed (apt-get install docker-registry)")
    folder = tmp_path_factory.mktemp("registry")
    port = _free_port()
    config = folder / "config.yml"
    config.write_text(f"version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: {folder}/data\n"
                      f"http:\n  addr: 127.0.0.1:{port}\n")
    log = open(folder / "registry.log", "w")
    proc = subprocess.Popen(["docker-registry", "serve", str(config)], stdout=log, stderr=subprocess.STDOUT,
                            env={**os.environ, "REGISTRY_HTTP_ADDR": f"127.0.0.1:{port}"})
    try:
        for _ in range(100):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                if proc.poll() is not None:
                    pytest.fail(f"docker-registry exited: {(folder / 'registry.log').read_text()[-500:]}")
                time.sleep(0.1)
        yield f"127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()

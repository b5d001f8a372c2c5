"""A real ch-image build of a tiny layer: the template declares the build-time ARGs, the host's pip settings
reach the install script, the fakeroot shim runs, the layer's test passes, and the ARGs are scrubbed after.

The layer starts from the pristine `debian:bookworm` that the shared store's local base imported (see
envkit.engines.dockerfile.debootstrap), copied into this test's own store, so the shared images are never touched.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from envkit.engines.base import BuildRequest
from envkit.engines.charliecloud import Charliecloud
from envkit.engines.dockerfile.pipconf import host_pip_settings
from envkit.recipe.formats import render_layer
from envkit.recipe.model import Layer

STORE = Path(os.environ.get("ENVKIT_TEST_STORE", "/var/tmp/envkit-test-store"))

pytestmark = [pytest.mark.slow, pytest.mark.container]


def test_build_args_reach_the_script_and_leave_the_image(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("USER", os.environ.get("USER") or "root")
    engine = Charliecloud()
    shared = engine.image_path(STORE / "charliecloud", "debian:bookworm")
    if not (shared / "bin").exists():
        pytest.fail(f"no debootstrapped debian:bookworm in {shared}: the local base build (test_charliecloud_real) "
                    "makes it")
    root = tmp_path / "charliecloud"
    root.mkdir()
    subprocess.run([*engine.ch_image(), "-s", str(engine.storage(root)), "list"], check=True, capture_output=True)
    shutil.copytree(shared, engine.image_path(root, "debian:bookworm"), symlinks=True)
    layer = Layer(kind="base", tag="argcheck", image="debian:bookworm", labels=(("org.envkit.site", "x"),),
                  post="env | grep -c '^PIP_' > /argcheck.txt || echo 0 > /argcheck.txt\n",
                  test="test -s /argcheck.txt\n")
    req = BuildRequest(layer=layer, files=render_layer(layer, "docker", "x"), site="x", root=root,
                       tmp_name="argcheck.tmp-1", log=tmp_path / "build.log", jobs=2)
    engine.build(req)
    dockerfile = (engine.context_dir(req) / "Dockerfile").read_text().splitlines()
    declared = [line.split()[1] for line in dockerfile if line.startswith("ARG ")]
    assert {"BASH_ENV", "MAKEFLAGS", *(n for n in declared if n.startswith("PIP_"))} <= set(declared)
    assert dockerfile.index("FROM debian:bookworm") + 1 == dockerfile.index(f"ARG {declared[0]}")
    image = engine.image_path(root, "argcheck.tmp-1")
    pip_args = sum(1 for n in declared if n.startswith("PIP_"))
    assert pip_args == len(host_pip_settings())
    assert int((image / "argcheck.txt").read_text()) == pip_args
    test = engine.test_command(req)
    assert test is not None and subprocess.run(test.argv, capture_output=True, timeout=120).returncode == 0
    left = json.loads((image / "ch" / "metadata.json").read_text()).get("arg", {})
    assert not any(name.startswith(("PIP_", "BASH_ENV", "MAKEFLAGS")) for name in left), left

"""Fixtures for the build tests: a fake engine (fast tests) and tweaked profiles.

The fake engine "builds" an image as a folder holding a JSON file of what is inside
it, so the pipeline (cache, locks, atomic swap, manifest, verify) runs without a
container engine.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from envkit.engines import base as engines_base
from envkit.engines.base import BuildRequest, Engine
from envkit.engines.proc import Command
from envkit.errors import EnvkitError
from envkit.recipe.model import Layer

REPO = Path(__file__).resolve().parents[2]


class FakeEngine(Engine):
    """An engine whose images are folders with a facts.json; counts its builds."""

    name = "fake"
    binary = "true"
    install_hint = "nothing to install"
    fmt = "docker"
    builds: list[str] = []
    fail_on: set[str] = set()
    delay: float = 0.0
    lock = threading.Lock()

    def available(self) -> bool:
        return True

    def key_files(self, layer: Layer, files: dict[str, str]) -> dict[str, str]:
        from envkit.engines.charliecloud import Charliecloud

        return Charliecloud().key_files(layer, files)   # builds the Docker form the way ch-image does (no LABEL)

    def version(self) -> str | None:
        return "1.0"

    def image_exists(self, root: Path, name: str) -> bool:
        return (self.image_path(root, name) / "facts.json").is_file()

    def build_commands(self, req: BuildRequest) -> list[Command]:
        return [Command(["fake-build", req.tmp_name])]

    def build(self, req: BuildRequest, on_line=None) -> None:  # type: ignore[no-untyped-def]
        with FakeEngine.lock:
            FakeEngine.builds.append(req.layer.tag)
        if self.delay:
            time.sleep(self.delay)
        if req.layer.tag in self.fail_on:
            raise EnvkitError(f"fake build of {req.layer.tag} failed")
        image = self.image_path(req.root, req.tmp_name)
        image.mkdir(parents=True)
        facts = {"arch": "x86_64", "python": "3.11.2", "os": {"pretty_name": "Debian GNU/Linux 12 (bookworm)"},
                 "pip": {"torch": "2.14.1", "tqdm": "4.67.1"}, "dpkg": {"openmpi-bin": "4.1.4-3"},
                 "torch": {"version": "2.14.1", "cuda": None}, "mpi": {"mpirun": "mpirun (Open MPI) 4.1.4"},
                 "horovod": "", "built_files": sorted(req.files)}
        (image / "facts.json").write_text(json.dumps(facts))

    def write_into_image(self, root: Path, tmp_name: str, rel_path: str, text: str) -> bool:
        (self.image_path(root, tmp_name) / Path(rel_path).name).write_text(text)
        return True

    def inspect(self, image: str) -> dict:
        return json.loads((Path(image) / "facts.json").read_text())

    def exec_argv(self, image: str, command: Sequence[str], *, binds: Sequence[str] = (),
                  env: Sequence[tuple[str, str]] = (), gpu: bool = False) -> list[str]:
        return ["fake-run", image, *command]


@pytest.fixture
def fake_engine() -> Iterator[type[FakeEngine]]:
    """Register the fake engine as `fake` and reset its counters."""
    FakeEngine.builds = []
    FakeEngine.fail_on = set()
    FakeEngine.delay = 0.0
    engines_base.ENGINES.register("fake")(FakeEngine)
    try:
        yield FakeEngine
    finally:
        engines_base.ENGINES.unregister("fake")


def write_tweaked_local(folder: Path, env: dict[str, str]) -> Path:
    """A profile `local` that extends (a copy of) the shipped local profile and changes defaults.env.

    The copy is named local-upstream: a profile may not extend its own name, and keeping the
    name `local` keeps the base layer's image name and rendered text.
    """
    folder.mkdir(parents=True, exist_ok=True)
    upstream = (REPO / "site-profiles" / "local.yaml").read_text()
    upstream = upstream.replace("\nname: local\n", "\nname: local-upstream\n")
    (folder / "local-upstream.yaml").write_text(upstream)
    lines = ["name: local", "extends: local-upstream", "defaults:", "  tasks_per_node: 2", "  env:"]
    lines += [f'    {k}: "{v}"' for k, v in {"OMP_NUM_THREADS": "1", **env}.items()]
    (folder / "local.yaml").write_text("\n".join(lines) + "\n")
    return folder

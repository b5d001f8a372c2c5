"""The engine interface: build, exec/run, inspect, availability. One small module per engine.

An engine turns one rendered layer into an image under a temporary name, runs the
layer's test in it, and then puts it in place of the old image (`promote`). The
build pipeline (envkit.pipeline) decides when to build and keeps the cache and locks.

Example:
    >>> from envkit.engines.base import get_engine
    >>> get_engine("apptainer").exec_argv("img.sif", ["python", "-V"], binds=["/scratch"], gpu=True)
    ['apptainer', 'exec', '--nv', '--bind', '/scratch', 'img.sif', 'python', '-V']
"""

from __future__ import annotations

import shutil
import subprocess
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from envkit.engines.proc import Command, run_capture, run_logged
from envkit.errors import EnvkitError
from envkit.recipe.formats import Format
from envkit.recipe.model import Layer
from envkit.registry import Registry

LineSink = Callable[[str], None]


@dataclass
class BuildRequest:
    """Everything one layer build needs: the layer, its rendered files, where to put it."""

    layer: Layer
    files: dict[str, str]          # the rendered files of the engine's format, by name
    site: str                      # the profile's name (the Docker form's header names it)
    root: Path                     # the engine's folder in the envkit store
    tmp_name: str                  # the temporary image name the build writes
    log: Path
    jobs: int | None = None
    rebuild: bool = False
    fakeroot: bool = True          # apptainer/singularity: build with --fakeroot (the profile's container.fakeroot)


class Engine(ABC):
    """A container engine envkit can drive."""

    name: ClassVar[str]
    binary: ClassVar[str]
    install_hint: ClassVar[str]
    image_suffix: ClassVar[str] = ""
    fmt: ClassVar[Format] = "docker"   # the recipe format it builds: docker or singularity

    # -- availability -------------------------------------------------------------------------------------------
    def available(self) -> bool:
        """Is the engine's binary on PATH?"""
        return shutil.which(self.binary) is not None

    def require(self) -> None:
        """Fail with a one-line error saying how to install the engine when it is missing."""
        if not self.available():
            raise self.missing()

    def missing(self) -> EnvkitError:
        """The one-line error for an engine that is not installed."""
        return EnvkitError(f"container engine {self.name!r} not found on PATH ({self.install_hint})")

    def version_argv(self) -> list[str]:
        """The cheapest command that prints the engine's version."""
        return [self.binary, "--version"]

    def version(self) -> str | None:
        """The engine's version string (None when it is not installed)."""
        if not self.available():
            return None
        try:
            proc = subprocess.run(self.version_argv(), capture_output=True, text=True, timeout=30,
                                  env=_env_with_user())
            out = proc.stdout.strip() or proc.stderr
        except (OSError, subprocess.TimeoutExpired):
            return None
        words = out.strip().split()
        return words[-1] if words else None

    # -- images -------------------------------------------------------------------------------------------------
    def image_path(self, root: Path, name: str) -> Path:
        """Where the image called `name` lives under the engine's store folder."""
        return Path(root) / f"{name}{self.image_suffix}"

    def image_exists(self, root: Path, name: str) -> bool:
        """Is there an image called `name`?"""
        return self.image_path(root, name).exists()

    def key_files(self, layer: Layer, files: dict[str, str]) -> dict[str, str]:
        """The layer's rendered files as far as they change the image (the cache key hashes these)."""
        return files

    @abstractmethod
    def build_commands(self, req: BuildRequest) -> list[Command]:
        """The exact commands that build `req.layer` into the temporary image (printed by --dry-run)."""

    def build(self, req: BuildRequest, on_line: LineSink | None = None) -> None:
        """Build the temporary image, streaming the engine's output; raise on failure."""
        for cmd in self.build_commands(req):
            rc = run_logged(cmd, req.log, on_line)
            if rc != 0:
                raise EnvkitError(f"{cmd.label or cmd.argv[0]} failed with exit code {rc} (log: {req.log})")

    def definition_path(self, req: BuildRequest) -> Path | None:
        """Where the layer's one definition file is written before the build (None: a build context)."""
        return None

    def test_command(self, req: BuildRequest) -> Command | None:
        """The command that runs the layer's test script in the built image (None: the build ran it)."""
        return None

    def share_with_parent(self, root: Path, tmp_name: str, parent: str, log: Path) -> None:
        """Let a new layer share unchanged files with its parent image (engines whose layers are copies);
        single-file images (SIF) have nothing to share."""
        return None

    def promote(self, root: Path, tmp_name: str, name: str) -> None:
        """Put the temporary image in place of `name` (atomically)."""
        from envkit.store.swap import promote

        promote(self.image_path(root, tmp_name), self.image_path(root, name))

    def discard(self, root: Path, tmp_name: str) -> None:
        """Delete a temporary image left by a failed or killed build."""
        from envkit.store.swap import remove_tree

        remove_tree(self.image_path(root, tmp_name))

    def stale_images(self, root: Path, name: str) -> list[str]:
        """Temporary images of `name` left behind by killed builds."""
        from envkit.store.swap import recover

        recover(self.image_path(root, name))
        folder = self.image_path(root, name).parent
        if not folder.is_dir():
            return []
        prefix = f"{name}.tmp-"
        return sorted(p.name[: len(p.name) - len(self.image_suffix)] if self.image_suffix else p.name
                      for p in folder.iterdir() if p.name.startswith(prefix))

    def write_into_image(self, root: Path, tmp_name: str, rel_path: str, text: str) -> bool:
        """Write a file into the (temporary) image; False where the format is read-only (SIF)."""
        return False

    # -- running ------------------------------------------------------------------------------------------------
    @abstractmethod
    def exec_argv(self, image: str, command: Sequence[str], *, binds: Sequence[str] = (),
                  env: Sequence[tuple[str, str]] = (), gpu: bool = False, host_env: bool = False) -> list[str]:
        """The argv that runs `command` inside `image`.

        host_env keeps the launcher's variables (ranks, PMIx, Slurm) that a workload run needs; without it
        an engine may start from a clean environment (build tests do).
        """

    def run(self, image: str, command: Sequence[str], *, binds: Sequence[str] = (),
            env: Sequence[tuple[str, str]] = (), gpu: bool = False,
            timeout: float = 900) -> subprocess.CompletedProcess[str]:
        """Run `command` inside `image` and capture its output."""
        return run_capture(self.exec_argv(image, command, binds=binds, env=env, gpu=gpu), timeout=timeout)

    def inspect(self, image: str) -> dict:
        """Read the manifest facts from inside `image` (see envkit.store.image_manifest)."""
        from envkit.store.image_manifest import parse_probe, probe_command

        proc = self.run(image, probe_command())
        facts = parse_probe(proc.stdout)
        if not facts:
            tail = " ".join((proc.stderr or proc.stdout).split()[-30:])
            raise EnvkitError(f"could not read the manifest from inside {image} (exit {proc.returncode}: {tail})")
        return facts


def _env_with_user() -> dict[str, str]:
    from envkit.engines.proc import child_env

    return child_env({})


ENGINES: Registry[type[Engine]] = Registry("engine", modules=("envkit.engines.apptainer",
                                                              "envkit.engines.charliecloud"))
"""The engines by name; the built-in ones are imported when a name is first looked up (no import cycle)."""


def register_engine(cls: type[Engine]) -> type[Engine]:
    """Class decorator: make an engine available under its `name` (a second one of that name is an error)."""
    return ENGINES.register(cls.name)(cls)


def get_engine(name: str) -> Engine:
    """The engine registered under `name` (a one-line error listing the known ones otherwise)."""
    return ENGINES.get(name)()

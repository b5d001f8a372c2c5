"""The engine interface: build, exec/run, GPU flags, binds, environment, image format, availability.

One module per engine holds all envkit knows about it (envkit/engines/apptainer.py, charliecloud.py,
podman.py, ...; the names are listed in envkit.registry.ENGINES, plugins come through the `envkit.engines`
entry points). An engine that builds turns one rendered layer into an image under a temporary name, runs
the layer's test in it, and then puts it in place of the old image (`promote`); an engine that only runs
images names the engine that builds them (`builder`) and refuses to build with one line. An engine that
runs ranks through the launcher's own options (pyxis, CSCS's Container Engine) returns them from
`container_options` instead of a wrapper command. The build pipeline (envkit.pipeline) decides when to
build and keeps the cache and locks (envkit.store).

Example:
    >>> from envkit.engines.base import get_engine
    >>> get_engine("apptainer").exec_argv("img.sif", ["python", "-V"], binds=["/scratch"], gpu=True)
    ['apptainer', 'exec', '--nv', '--bind', '/scratch', 'img.sif', 'python', '-V']
"""

from __future__ import annotations

import shutil
import subprocess
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from envkit.engines.proc import Command, run_capture, run_logged
from envkit.errors import EnvkitError
from envkit.recipe.formats import Format
from envkit.recipe.model import Layer
from envkit.registry import ENGINES

if TYPE_CHECKING:
    from envkit.profile.model import Profile

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


GpuKind = bool | str
"""Which GPUs a container gets: False/"" none, True/"nvidia" NVIDIA, "nvccli" NVIDIA through
nvidia-container-cli (Apptainer --nvccli), "amd" AMD ROCm."""


def gpu_kind(profile: Profile) -> GpuKind:
    """Which GPUs the site's containers get (envkit.engines.base.GpuKind): "" none, "nvidia", "nvccli", "amd".

    >>> from envkit.profile import load_profile
    >>> gpu_kind(load_profile("hal")), gpu_kind(load_profile("local"))
    ('nvidia', '')
    """
    vendor = profile.gpu.vendor
    if vendor == "nvidia":
        return "nvccli" if profile.container.nvccli else "nvidia"
    return "amd" if vendor == "amd" else ""



class Engine(ABC):
    """A container engine envkit can drive."""

    name: ClassVar[str]
    #: How the docs name it.
    display_name: ClassVar[str]
    binary: ClassVar[str]
    install_hint: ClassVar[str]
    image_suffix: ClassVar[str] = ""
    fmt: ClassVar[Format] = "docker"   # the recipe format it builds (or its builder builds): docker or singularity
    #: What an image is, in words (docs).
    image_format: ClassVar[str] = ""
    #: Is an image a plain directory tree at `image_path` (what envkit export assembles SIF/OCI from)?
    image_is_tree: ClassVar[bool] = False
    #: The engine that builds its images, for an engine that only runs them (None: it builds its own).
    builder: ClassVar[str | None] = None
    #: The launcher it runs ranks through (its `container_options`), None: any launcher, as a wrapper command.
    needs_launcher: ClassVar[str | None] = None
    #: How to get an image built by `builder` into this engine (docs; `{image}` and `{tag}` are filled in).
    import_line: ClassVar[str | None] = None

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

    def refuse_build(self) -> EnvkitError:
        """The one-line error of an engine that only runs images."""
        return EnvkitError(f"the {self.name} engine only runs images: build them with `envkit build --engine "
                           f"{self.builder}`, then import them ({self.import_hint()})")

    def import_hint(self) -> str:
        """How an image gets from the builder into this engine, in words."""
        return self.import_line.format(image="IMAGE", tag="TAG") if self.import_line else "see the site's docs"

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

    def build_argv(self, definition: str, image: str, *, fakeroot: bool = True) -> list[str] | None:
        """The engine's own build line for one definition file, as the docs show it (None: no single line)."""
        return None

    def labels_argv(self, image: str) -> list[str] | None:
        """The command that prints an image's labels, as the docs show it (None: the engine has none)."""
        return None

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
    def gpu_flags(self, gpu: GpuKind) -> list[str]:
        """The options that give a container the host's GPUs (none by default)."""
        return []

    @abstractmethod
    def exec_argv(self, image: str, command: Sequence[str], *, binds: Sequence[str] = (),
                  env: Sequence[tuple[str, str]] = (), gpu: GpuKind = False, host_env: bool = False) -> list[str]:
        """The argv that runs `command` inside `image`.

        host_env keeps the launcher's variables (ranks, PMIx, Slurm) that a workload run needs; without it
        an engine may start from a clean environment (build tests do).
        """

    def container_options(self, image: str, *, binds: Sequence[str] = (), env: Sequence[tuple[str, str]] = (),
                          gpu: GpuKind = False) -> list[str] | None:
        """The launcher options that run each rank in `image` (engines run through `needs_launcher`); None: the
        engine wraps the rank's command instead (`exec_argv`)."""
        return None

    def run_files(self, image: str, *, binds: Sequence[str] = (), env: Sequence[tuple[str, str]] = (),
                  gpu: GpuKind = False) -> dict[str, str]:
        """Files a run needs written first (path -> text), e.g. an environment definition; none by default."""
        return {}

    def run(self, image: str, command: Sequence[str], *, binds: Sequence[str] = (),
            env: Sequence[tuple[str, str]] = (), gpu: GpuKind = False,
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


class RunOnlyEngine(Engine):
    """An engine that only runs images: `builder` builds them, and a build here is refused with one line.

    A subclass names its `builder` and `import_line` and says how it runs (`exec_argv`, and
    `container_options` for one that runs through its launcher).

    Example:
        >>> get_engine("shifter").build(None)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        envkit.errors.EnvkitError: the shifter engine only runs images: build them with `envkit build ...`...
    """

    def build_commands(self, req: BuildRequest) -> list[Command]:
        raise self.refuse_build()

    def build(self, req: BuildRequest, on_line: LineSink | None = None) -> None:
        raise self.refuse_build()


def bind_spec(bind: str) -> str:
    """A bind as engines write it, SRC:DST[:FLAGS]: a lone path is bound at the same place inside.

    Example:
        >>> bind_spec("/scratch"), bind_spec("/r:/results:ro")
        ('/scratch:/scratch', '/r:/results:ro')
    """
    return bind if ":" in bind else f"{bind}:{bind}"


def repeat_flag(flag: str, values: Iterable[str]) -> list[str]:
    """`flag` before each value, as engines take repeated options.

    Example:
        >>> repeat_flag("-v", ["/a:/a", "/b:/b"])
        ['-v', '/a:/a', '-v', '/b:/b']
    """
    return [word for value in values for word in (flag, value)]


def _env_with_user() -> dict[str, str]:
    from envkit.engines.proc import child_env

    return child_env({})


def register_engine(cls: type[Engine]) -> type[Engine]:
    """Class decorator: make an engine available under its `name` (a second one of that name is an error)."""
    return ENGINES.register(cls.name)(cls)


def get_engine(name: str) -> Engine:
    """The engine registered under `name` (a one-line error listing the known ones otherwise)."""
    return ENGINES.get(name)()

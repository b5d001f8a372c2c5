"""Charliecloud: ch-image builds the Dockerfile form, ch-run runs it (the engine of this machine and CI).

This module is the engine adapter; each other job of a build has its own module. Images live in a
ch-image storage folder inside envkit's store (`ch-image -s`), and are run by path. A build:

1. satisfies a `FROM debian:SUITE` base locally when the storage lacks it (envkit.engines.dockerfile.debootstrap:
   debootstrap from the machine's own apt mirror, tarred, then `ch-image import`);
2. stages a build context with only the files the layer copies (envkit.engines.dockerfile.context);
3. runs `ch-image build --force -t NAME.tmp-XXXX`, with the host's pip settings bound in and passed as
   build-time ARGs (envkit.engines.dockerfile.staging, envkit.engines.dockerfile.pipconf), and apt/dpkg
   wrapped in fakeroot through BASH_ENV (envkit.engines.dockerfile.fakeroot: ch-image's own --force only
   wraps a RUN that names apt-get itself, and envkit's RUN runs an install script);
4. removes the build-time ARGs from the image's metadata, so no host setting stays (envkit.engines.dockerfile.chmeta).

ch-image ignores LABEL, and comments do nothing, so the cache key hashes the Dockerfile rendered without
them (envkit.recipe.formats.docker_key_form).

Example:
    >>> Charliecloud().exec_argv("/store/img/envkit-local", ["python3", "-V"])
    ['ch-run', '--unset-env=*', '--set-env', '/store/img/envkit-local', '--', 'python3', '-V']
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

from envkit.engines.base import BuildRequest, Engine, GpuKind, LineSink, register_engine
from envkit.engines.dockerfile.chmeta import scrub_build_args
from envkit.engines.dockerfile.context import stage_context
from envkit.engines.dockerfile.staging import BuildExtras
from envkit.engines.proc import Command, run_capture, run_logged
from envkit.errors import EnvkitError
from envkit.paths import IMAGE_ROOT, RECIPES, VENV
from envkit.recipe.formats import docker_key_form
from envkit.recipe.model import Layer

HOST_ONLY_ENV = ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "LD_LIBRARY_PATH", "LD_PRELOAD",
                 "CONDA_PREFIX", "CONDA_DEFAULT_ENV")


@register_engine
class Charliecloud(Engine):
    """Charliecloud 0.31 from Debian (charliecloud, charliecloud-builders)."""

    name = "charliecloud"
    display_name = "Charliecloud"
    image_format = "a directory tree in ch-image's storage"
    image_is_tree = True
    binary = "ch-image"
    install_hint = ("run scripts/install-charliecloud.sh (apt-get install charliecloud charliecloud-builders "
                    "debootstrap squashfs-tools; pip install lark)")
    fmt = "docker"

    # -- commands -----------------------------------------------------------------------------------------------
    def ch_image(self) -> list[str]:
        """How to start ch-image: under a python3 that has `lark` (ch-image runs under PATH's python3)."""
        script = shutil.which("ch-image")
        if script is None:
            raise self.missing()
        python = _python_with_lark(Path(script))
        return [python, script] if python else [script]

    def version_argv(self) -> list[str]:
        return ["ch-run", "--version"]   # C, instant; the same release as ch-image

    def available(self) -> bool:
        return shutil.which("ch-image") is not None and shutil.which("ch-run") is not None

    def storage(self, root: Path) -> Path:
        """ch-image's storage folder (`ch-image -s`)."""
        return Path(root) / "storage"

    def image_path(self, root: Path, name: str) -> Path:
        return self.storage(root) / "img" / name.replace("/", "%").replace(":", "+")

    def image_exists(self, root: Path, name: str) -> bool:
        return (self.image_path(root, name) / "ch").is_dir() or (self.image_path(root, name) / "bin").exists()

    def key_files(self, layer: Layer, files: dict[str, str]) -> dict[str, str]:
        """The Dockerfile rendered without its header comments and LABEL lines (ch-image ignores LABEL)."""
        return {**files, "Dockerfile": docker_key_form(layer)} if "Dockerfile" in files else files

    def _chi(self, root: Path, *args: str) -> list[str]:
        return [*self.ch_image(), "-s", str(self.storage(root)), "--no-cache", *args]

    # -- the base image -----------------------------------------------------------------------------------------
    def base_commands(self, req: BuildRequest) -> list[Command]:
        """debootstrap + import for a `FROM debian:SUITE` base missing from the storage (else nothing)."""
        from envkit.engines.dockerfile.debootstrap import base_commands

        return base_commands(req.layer, req.root, exists=lambda image: self.image_exists(req.root, image),
                             import_argv=lambda tar, image: self._chi(req.root, "import", str(tar), image),
                             label="ch-image import")

    # -- build --------------------------------------------------------------------------------------------------
    def context_dir(self, req: BuildRequest) -> Path:
        """The staged build context of a layer."""
        return req.root / "contexts" / req.layer.tag

    def build_commands(self, req: BuildRequest, staged: BuildExtras | None = None) -> list[Command]:
        staged = staged or BuildExtras.placeholder()
        ctx = self.context_dir(req)
        argv = self._chi(req.root, "build")
        if req.rebuild:
            argv.append("--rebuild")
        argv += ["--force", "-t", req.tmp_name, "-f", str(ctx / "Dockerfile")]
        for bind in staged.binds:
            argv += ["-b", bind]
        for key, value in staged.args.items():
            argv += ["--build-arg", f"{key}={value}"]
        argv.append(str(ctx))
        return [*self.base_commands(req), Command(argv, label="ch-image build")]

    def build(self, req: BuildRequest, on_line: LineSink | None = None) -> None:
        from envkit.store.filelock import FileLock, wait_for_lockf
        from envkit.store.paths import engine_lock

        self.require()
        # The donor is looked for under the engine lock: a base another process is building (its `.tmp-` image)
        # has finished by then and can give its venv, and no donor is replaced while this build binds it.
        with FileLock(engine_lock(req.root), on_wait=on_line):
            donor = self.venv_donor(req)
            staged = BuildExtras.make(req, venv_donor=donor)
            try:
                stage_context(self.context_dir(req), req, list(staged.args))
                for cmd in self.build_commands(req, staged):
                    wait_for_lockf(self.storage(req.root) / "lock")
                    rc = run_logged(cmd, req.log, on_line)
                    if rc != 0:
                        raise EnvkitError(f"{cmd.label} failed with exit code {rc} (log: {req.log})")
                scrub_build_args(self.image_path(req.root, req.tmp_name))
                if donor is not None:
                    self._link_venv(donor, req)
            finally:
                staged.cleanup()

    def venv_donor(self, req: BuildRequest) -> Path | None:
        """The /opt/envkit of a built base in this storage whose venv has this base's key (its manifest's
        venv-key.txt), or None: the build then installs the venv itself. Unfinished builds (`.tmp-`) are skipped,
        and `--rebuild` takes none (a rebuild installs everything again, the point of asking for one).

        Example: `local-mpich`'s base finds `local`'s (same starting image, python3 and lock; another MPI). A base
        built again under its own tag with the same key (its record lost) may find its own previous image: the
        same files, and the image being replaced keeps them until the new one has its hard links.
        """
        key = req.layer.facts.venv_key
        folder = self.storage(req.root) / "img"
        if req.layer.kind != "base" or not key or req.rebuild or not folder.is_dir():
            return None
        for image in sorted(folder.iterdir()):
            opt = image / IMAGE_ROOT.lstrip("/")
            if ".tmp-" in image.name:
                continue
            try:
                found = (opt / "manifest" / "venv-key.txt").read_text().strip()
            except OSError:
                continue
            if found == key and (opt / "venv" / "bin" / "python").exists():
                return opt
        return None

    def _link_venv(self, donor: Path, req: BuildRequest) -> None:
        """Fill the venv the build used bound (an empty mount point in the image now) with hard links to the
        donor's files (`cp -al`: same inodes, no copy), as share_with_parent shares a parent's files."""
        venv = self.image_path(req.root, req.tmp_name) / VENV.lstrip("/")
        try:
            venv.rmdir()   # the bind's mount point: empty, else something wrote where the bound venv was
        except OSError as exc:
            raise EnvkitError(f"the reused venv's mount point {venv} is not an empty folder: {exc.strerror}") from exc
        rc = run_logged(Command(["cp", "-al", str(donor / "venv"), str(venv)], label="link the reused venv"),
                        req.log)
        if rc != 0:
            raise EnvkitError(f"linking the reused venv from {donor} failed with exit code {rc} (log: {req.log})")

    def test_command(self, req: BuildRequest) -> Command | None:
        image = str(self.image_path(req.root, req.tmp_name))
        return Command(self.exec_argv(image, ["/bin/bash", f"{RECIPES}/{req.layer.test_name}"]),
                       label="layer test")

    def share_with_parent(self, root: Path, tmp_name: str, parent: str, log: Path) -> None:
        """Hard-link the files a layer left as its parent had them (util-linux `hardlink`: same content, mode,
        owner and time), so each workload image costs its own files, not another copy of torch (6.5 GB).

        Images are run read-only, and every build copies its parent into new files, so shared files are
        never written through. Without `hardlink` the images are simply full copies.
        """
        parent_dir, child_dir = self.image_path(root, parent), self.image_path(root, tmp_name)
        if shutil.which("hardlink") is None or not parent_dir.is_dir() or not child_dir.is_dir():
            return
        run_logged(Command(["hardlink", "--quiet", str(parent_dir), str(child_dir)]), log)

    def write_into_image(self, root: Path, tmp_name: str, rel_path: str, text: str) -> bool:
        from envkit.fsutil import atomic_write_text

        atomic_write_text(self.image_path(root, tmp_name) / rel_path.lstrip("/"), text)
        return True

    def stale_images(self, root: Path, name: str) -> list[str]:
        from envkit.store.swap import recover

        recover(self.image_path(root, name))
        folder = self.storage(root) / "img"
        if not folder.is_dir():
            return []
        prefix = f"{name}.tmp-"
        return sorted(p.name for p in folder.iterdir() if p.name.startswith(prefix))

    # -- run ----------------------------------------------------------------------------------------------------
    def exec_argv(self, image: str, command: Sequence[str], *, binds: Sequence[str] = (),
                  env: Sequence[tuple[str, str]] = (), gpu: GpuKind = False, host_env: bool = False) -> list[str]:
        # Order matters: clear the host's environment first, then load the image's ENV (ch/environment).
        # A launched rank keeps the host's variables (OMPI_*, PMIX_*, SLURM_*) but not the host's Python.
        cleared = [f"--unset-env={name}" for name in HOST_ONLY_ENV] if host_env else ["--unset-env=*"]
        argv = ["ch-run", *cleared, "--set-env"]
        for bind in binds:
            argv += ["-b", bind]
        for key, value in env:
            argv.append(f"--set-env={key}={value}")
        return [*argv, image, "--", *command]

    def run(self, image: str, command: Sequence[str], *, binds: Sequence[str] = (),
            env: Sequence[tuple[str, str]] = (), gpu: GpuKind = False,
            timeout: float = 900) -> subprocess.CompletedProcess[str]:
        if Path(image).is_file():   # an exported .sif or .sqfs (envkit export): mounted or unpacked, then run
            from envkit.export.mount import run_artifact

            return run_artifact(self, Path(image), command, binds=binds, env=env, timeout=timeout)
        basics = [(k, os.environ[k]) for k in ("HOME", "USER", "TERM", "LANG") if os.environ.get(k)]
        return run_capture(self.exec_argv(image, command, binds=binds, env=[*basics, *env], gpu=gpu),
                           timeout=timeout)


def _python_with_lark(script: Path) -> str | None:
    """A python3 that can import what ch-image needs (lark, requests): PATH's first, else the one beside
    ch-image (the system's). An activated venv often has lark but not requests, and ch-image then dies in a
    circular import, so both are checked."""
    override = os.environ.get("ENVKIT_CH_PYTHON")
    if override:
        return override
    candidates = [shutil.which("python3"), str(script.resolve().parent / "python3")]
    for python in dict.fromkeys(c for c in candidates if c and Path(c).exists()):
        proc = run_capture([python, "-c", "import lark, requests"], timeout=60)
        if proc.returncode == 0:
            return python
    return None

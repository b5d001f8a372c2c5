"""Charliecloud: ch-image builds the Dockerfile form, ch-run runs it (the engine of this machine and CI).

Images live in a ch-image storage folder inside envkit's store (`ch-image -s`),
and are run by path. A build:

1. satisfies a `FROM debian:SUITE` base locally (debootstrap from the machine's own
   apt mirror, tarred, `ch-image import`), when the storage lacks it;
2. stages a build context with only the files the Dockerfile names;
3. runs `ch-image build --force -t NAME.tmp-XXXX`, with the host's pip settings
   bound in and passed as build-time ARGs (see envkit.engines.pipconf), and apt/dpkg
   wrapped in fakeroot through BASH_ENV (ch-image's own --force only wraps a RUN
   that names apt-get itself, and envkit's RUN runs an install script);
4. removes the build-time ARGs from the image's metadata, so no host setting stays.

ch-image ignores LABEL, and comments do nothing, so neither enters the cache key.

Example:
    >>> Charliecloud().exec_argv("/store/img/envkit-local", ["python3", "-V"])
    ['ch-run', '--unset-env=*', '--set-env', '/store/img/envkit-local', '--', 'python3', '-V']
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

from envkit.engines.base import BuildRequest, Engine, LineSink, register_engine
from envkit.engines.proc import Command, run_capture, run_logged
from envkit.errors import EnvkitError
from envkit.resources import home

# Wraps apt/dpkg in fakeroot inside a RUN script, the way `ch-image build --force` does for a
# RUN that names them; runs only at build time (BASH_ENV is a build ARG, removed afterwards).
BASH_ENV_SCRIPT = """\
# envkit: unprivileged-build workaround for Debian-family install scripts (build time only)
if [ -z "${ENVKIT_FAKEROOT_READY:-}" ] && [ -d /etc/apt/apt.conf.d ]; then
  export ENVKIT_FAKEROOT_READY=1
  grep -qs 'APT::Sandbox::User "root"' /etc/apt/apt.conf.d/* \\
    || echo 'APT::Sandbox::User "root";' > /etc/apt/apt.conf.d/no-sandbox
  command -v fakeroot > /dev/null \\
    || { command apt-get update && command apt-get install -y --no-install-recommends fakeroot; } >&2
fi
if command -v fakeroot > /dev/null; then
  apt() { fakeroot apt "$@"; }
  apt-get() { fakeroot apt-get "$@"; }
  dpkg() { fakeroot dpkg "$@"; }
  export -f apt apt-get dpkg
fi
"""
BUILD_ONLY_ARG = re.compile(r"^(PIP_[A-Z_]+|BASH_ENV|MAKEFLAGS|CMAKE_BUILD_PARALLEL_LEVEL|MAX_JOBS|ENVKIT_[A-Z_]+)$")


HOST_ONLY_ENV = ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "LD_LIBRARY_PATH", "LD_PRELOAD",
                 "CONDA_PREFIX", "CONDA_DEFAULT_ENV")


@register_engine
class Charliecloud(Engine):
    """Charliecloud 0.31 from Debian (charliecloud, charliecloud-builders)."""

    name = "charliecloud"
    binary = "ch-image"
    install_hint = ("run scripts/install-charliecloud.sh (apt-get install charliecloud charliecloud-builders "
                    "debootstrap squashfs-tools; pip install lark)")
    fmt = "docker"

    # -- commands -----------------------------------------------------------------------------------------------
    def ch_image(self) -> list[str]:
        """How to start ch-image: under a python3 that has `lark` (ch-image runs under PATH's python3)."""
        script = shutil.which("ch-image")
        if script is None:
            self.require()
        python = _python_with_lark(Path(script))  # type: ignore[arg-type]
        return [python, script] if python else [script]  # type: ignore[list-item]

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

    def key_files(self, files: dict[str, str]) -> dict[str, str]:
        out = dict(files)
        if "Dockerfile" in out:
            out["Dockerfile"] = "".join(line for line in out["Dockerfile"].splitlines(keepends=True)
                                        if not line.lstrip().startswith(("#", "LABEL ")))
        return out

    def _chi(self, root: Path, *args: str) -> list[str]:
        return [*self.ch_image(), "-s", str(self.storage(root)), "--no-cache", *args]

    # -- the base image -----------------------------------------------------------------------------------------
    def base_commands(self, req: BuildRequest) -> list[Command]:
        """debootstrap + import for a `FROM debian:SUITE` base missing from the storage (else nothing)."""
        from envkit.engines import debootstrap as db

        image = req.layer.docker_from
        if req.layer.parent is not None or self.image_exists(req.root, image):
            return []
        suite = db.debian_suite(image)
        if suite is None:
            return []   # ch-image pulls it from its registry
        sources = db.apt_sources()
        mirror = db.mirror_for(suite, sources)
        work = req.root / "rootfs" / suite
        tarball = req.root / "rootfs" / f"{suite}.tar"
        return [
            Command(["rm", "-rf", str(work), str(tarball)], label="clean rootfs"),
            Command(db.debootstrap_argv(suite, work, mirror.uri), label="debootstrap"),
            Command(["sh", "-c", 'printf "%s" "$1" > "$2"', "sh", db.image_sources_list(suite, sources),
                     str(work / "etc/apt/sources.list")], label="apt sources"),
            Command(db.tar_argv(work, tarball), label="tar rootfs"),
            Command(self._chi(req.root, "import", str(tarball), image), label="ch-image import"),
            Command(["rm", "-rf", str(work), str(tarball)], label="clean rootfs"),
        ]

    # -- build --------------------------------------------------------------------------------------------------
    def context_dir(self, req: BuildRequest) -> Path:
        """The staged build context of a layer."""
        return req.root / "contexts" / req.layer.tag

    def build_commands(self, req: BuildRequest, staged: _Staged | None = None) -> list[Command]:
        staged = staged or _Staged.placeholder()
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

    def stage_context(self, req: BuildRequest, build_args: Sequence[str]) -> Path:
        """Write the context folder: the Dockerfile (+ build-time ARG lines), its scripts, the files it copies."""
        from envkit.engines.swap import remove_tree

        ctx = self.context_dir(req)
        remove_tree(ctx)
        ctx.mkdir(parents=True)
        for name, text in req.files.items():
            if name == "Dockerfile":
                text = inject_args(text, build_args)
            (ctx / name).write_text(text)
        for src, _dst in req.layer.files:
            source = Path(src) if src.startswith("/") else home() / src
            target = ctx / src.lstrip("/")
            target.parent.mkdir(parents=True, exist_ok=True)
            if source.is_dir():
                shutil.copytree(source, target, symlinks=True,
                                ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".venv", ".git"))
            elif source.exists():
                shutil.copy2(source, target)
            else:
                raise EnvkitError(f"file {src} named by the {req.layer.kind} layer does not exist ({source})")
        return ctx

    def build(self, req: BuildRequest, on_line: LineSink | None = None) -> None:
        from envkit.engines.lock import FileLock, wait_for_lockf

        self.require()
        staged = _Staged.make(req)
        try:
            self.stage_context(req, list(staged.args))
            with FileLock(req.root / "engine.lock", on_wait=on_line):
                for cmd in self.build_commands(req, staged):
                    wait_for_lockf(self.storage(req.root) / "lock")
                    rc = run_logged(cmd, req.log, on_line)
                    if rc != 0:
                        raise EnvkitError(f"{cmd.label} failed with exit code {rc} (log: {req.log})")
            self.scrub_build_args(req.root, req.tmp_name)
        finally:
            staged.cleanup()

    def scrub_build_args(self, root: Path, name: str) -> None:
        """Drop build-time ARGs (host pip settings, BASH_ENV) from the image's metadata."""
        path = self.image_path(root, name) / "ch" / "metadata.json"
        try:
            meta = json.loads(path.read_text())
        except (OSError, ValueError):
            return
        args = meta.get("arg") or {}
        kept = {k: v for k, v in args.items() if not BUILD_ONLY_ARG.match(k)}
        if kept != args:
            meta["arg"] = kept
            from envkit.fsutil import atomic_write_text

            atomic_write_text(path, json.dumps(meta, indent=2) + "\n")

    def test_command(self, req: BuildRequest) -> Command | None:
        image = str(self.image_path(req.root, req.tmp_name))
        return Command(self.exec_argv(image, ["/bin/bash", f"/opt/envkit/recipes/{req.layer.test_name}"]),
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
        from envkit.engines.swap import recover

        recover(self.image_path(root, name))
        folder = self.storage(root) / "img"
        if not folder.is_dir():
            return []
        prefix = f"{name}.tmp-"
        return sorted(p.name for p in folder.iterdir() if p.name.startswith(prefix))

    # -- run ----------------------------------------------------------------------------------------------------
    def exec_argv(self, image: str, command: Sequence[str], *, binds: Sequence[str] = (),
                  env: Sequence[tuple[str, str]] = (), gpu: bool = False, host_env: bool = False) -> list[str]:
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
            env: Sequence[tuple[str, str]] = (), gpu: bool = False, timeout: float = 900):  # type: ignore[override]
        if Path(image).is_file():   # an exported .sif or .sqfs (envkit export): mounted or unpacked, then run
            from envkit.export.mount import run_artifact

            return run_artifact(self, Path(image), command, binds=binds, env=env, timeout=timeout)
        basics = [(k, os.environ[k]) for k in ("HOME", "USER", "TERM", "LANG") if os.environ.get(k)]
        return run_capture(self.exec_argv(image, command, binds=binds, env=[*basics, *env], gpu=gpu),
                           timeout=timeout)


class _Staged:
    """Build-time extras: ARGs (pip settings, BASH_ENV, parallelism) and bind mounts, in a /tmp folder."""

    def __init__(self, args: dict[str, str], binds: list[str], folder: Path | None) -> None:
        self.args, self.binds, self.folder = args, binds, folder

    @classmethod
    def placeholder(cls) -> _Staged:
        """What --dry-run shows: the names of the ARGs a real build would pass."""
        from envkit.engines.pipconf import PIP_KEYS, host_pip_settings

        settings = host_pip_settings()
        args = {PIP_KEYS[k]: "<staged>" if k in ("cert", "constraint", "find-links", "index-url",
                                                  "extra-index-url", "client-cert") else v
                for k, v in settings.items()}
        return cls({**args, "BASH_ENV": "<staged>/bashenv.sh"}, ["<host pip folders>:<staged>"]
                   if any(v == "<staged>" for v in args.values()) else [], None)

    @classmethod
    def make(cls, req: BuildRequest) -> _Staged:
        from envkit.engines.pipconf import SHARED_TMP, host_pip_settings, stage_pip

        sweep_staging(Path(SHARED_TMP))
        folder = Path(tempfile.mkdtemp(prefix=f"envkit-build-{os.getpid()}-", dir=SHARED_TMP))
        os.chmod(folder, 0o755)
        pip = stage_pip(host_pip_settings(), folder=folder)
        (folder / "bashenv.sh").write_text(BASH_ENV_SCRIPT)
        args = {**pip.args, "BASH_ENV": str(folder / "bashenv.sh")}
        if req.jobs:
            args.update({"MAKEFLAGS": f"-j{req.jobs}", "CMAKE_BUILD_PARALLEL_LEVEL": str(req.jobs),
                         "MAX_JOBS": str(req.jobs)})
        return cls(args, pip.binds, folder)

    def cleanup(self) -> None:
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)


def sweep_staging(folder: Path) -> None:
    """Remove staging folders (`envkit-build-PID-*`) of builds whose process is gone (killed ones)."""
    for path in folder.glob("envkit-build-*-*"):
        pid = path.name.split("-")[2]
        if not pid.isdigit():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(path, ignore_errors=True)
        except PermissionError:
            pass


def inject_args(dockerfile: str, names: Sequence[str]) -> str:
    """Declare build-time ARGs right after the first FROM (ch-image, like Docker, needs ARG for --build-arg).

    Example:
        >>> inject_args("# c\\nFROM x\\nRUN y\\n", ["PIP_CERT"])
        '# c\\nFROM x\\nARG PIP_CERT\\nRUN y\\n'
    """
    if not names:
        return dockerfile
    lines = dockerfile.splitlines(keepends=True)
    for i, line in enumerate(lines):
        if line.upper().startswith("FROM "):
            return "".join([*lines[: i + 1], *(f"ARG {n}\n" for n in names), *lines[i + 1:]])
    raise EnvkitError("rendered Dockerfile has no FROM line")


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

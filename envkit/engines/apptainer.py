"""Apptainer and SingularityCE: build from a definition, exec with the GPU flags and the site's binds.

GPU flags (Apptainer user guide, GPU support, https://apptainer.org/docs/user/latest/gpu.html): `--nv` binds the
host's NVIDIA libraries; `--nvccli` lets nvidia-container-cli set the GPUs up instead (the profile's
`container.nvccli: true`; envkit passes `--nv --nvccli` as the guide's examples do [check with your Apptainer
release]); `--rocm` binds AMD's ROCm libraries. Binds: `--bind src[:dst[:opts]],...`; environment:
`--env VAR=val`, and the host's environment passes by default (the launcher's rank variables included).

Apptainer cannot be installed on envkit's development machines, so its tests
check the exact argv and definition handed to it; wherever the binary exists,
envkit drives it for real through the same commands.

Images are `<name>.sif` files in one folder; a site layer (`Bootstrap: localimage`,
`From: <parent>.sif`) is built with that folder as its working directory, so the
relative `From:` finds its parent. A build writes `<name>.tmp-XXXX.sif` and renames
it over `<name>.sif` once the build (and its %test) succeeded.

Example:
    >>> Apptainer().build_argv("site.def", "envkit-hal.sif", fakeroot=True)
    ['apptainer', 'build', '--fakeroot', 'envkit-hal.sif', 'site.def']
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from envkit.engines.base import BuildRequest, Engine, GpuKind, LineSink, register_engine
from envkit.engines.proc import Command


@register_engine
class Apptainer(Engine):
    """Apptainer (the Linux Foundation continuation of Singularity)."""

    name = "apptainer"
    display_name = "Apptainer"
    image_format = "SIF (one file per image)"
    binary = "apptainer"
    install_hint = "install Apptainer from your distribution or apptainer.org, or ask your site's admins"
    image_suffix = ".sif"
    fmt = "singularity"

    def build_argv(self, definition: str, image: str, *, fakeroot: bool = True, notest: bool = False) -> list[str]:
        """`build [--fakeroot] [--notest] IMAGE DEF`."""
        argv = [self.binary, "build"]
        if fakeroot:
            argv.append("--fakeroot")
        if notest:
            argv.append("--notest")
        return [*argv, image, definition]

    def labels_argv(self, image: str) -> list[str]:
        """`inspect --labels IMAGE`."""
        return [self.binary, "inspect", "--labels", image]

    def definition_path(self, req: BuildRequest) -> Path:
        """Where the layer's definition is written before the build."""
        return req.root / "defs" / f"{req.layer.tag}.def"

    def build_commands(self, req: BuildRequest) -> list[Command]:
        env: dict[str, str] = {}
        if req.jobs:
            env = {"MAKEFLAGS": f"-j{req.jobs}", "CMAKE_BUILD_PARALLEL_LEVEL": str(req.jobs)}
        image = self.image_path(req.root, req.tmp_name).name
        return [Command(self.build_argv(str(self.definition_path(req)), image, fakeroot=req.fakeroot),
                        cwd=str(req.root), env=env, label=f"{self.name} build")]

    def build(self, req: BuildRequest, on_line: LineSink | None = None) -> None:
        from envkit.fsutil import atomic_write_text

        self.require()
        req.root.mkdir(parents=True, exist_ok=True)
        (text,) = (text for name, text in req.files.items() if name.endswith(".def"))
        atomic_write_text(self.definition_path(req), text)
        super().build(req, on_line)

    def gpu_flags(self, gpu: GpuKind) -> list[str]:
        """`--nv`, `--nv --nvccli` or `--rocm`.

        >>> Apptainer().gpu_flags("nvccli"), Apptainer().gpu_flags("amd"), Apptainer().gpu_flags(False)
        (['--nv', '--nvccli'], ['--rocm'], [])
        """
        if gpu == "amd":
            return ["--rocm"]
        if gpu == "nvccli":
            return ["--nv", "--nvccli"]
        return ["--nv"] if gpu else []

    def exec_argv(self, image: str, command: Sequence[str], *, binds: Sequence[str] = (),
                  env: Sequence[tuple[str, str]] = (), gpu: GpuKind = False, host_env: bool = False) -> list[str]:
        # Apptainer passes the host's environment by default, the launcher's rank variables included.
        argv = [self.binary, "exec", *self.gpu_flags(gpu)]
        if binds:
            argv += ["--bind", ",".join(binds)]
        for key, value in env:
            argv += ["--env", f"{key}={value}"]
        return [*argv, image, *command]


@register_engine
class Singularity(Apptainer):
    """SingularityCE 3.x: the same command line as Apptainer under another name."""

    name = "singularity"
    display_name = "SingularityCE"
    binary = "singularity"
    install_hint = "install SingularityCE, or use --engine apptainer where Apptainer is installed"

"""Apptainer and SingularityCE: build from a definition, exec with --nv and the site's binds.

Apptainer cannot be installed on envkit's development machines, so its tests
check the exact argv and definition handed to it; wherever the binary exists,
envkit drives it for real.

Example:
    >>> Apptainer().build_argv("site.def", "envkit-hal.sif", fakeroot=True)
    ['apptainer', 'build', '--fakeroot', 'envkit-hal.sif', 'site.def']
"""

from __future__ import annotations

from collections.abc import Sequence

from envkit.engines.base import Engine, register_engine


@register_engine
class Apptainer(Engine):
    """Apptainer (the Linux Foundation continuation of Singularity)."""

    name = "apptainer"
    binary = "apptainer"
    install_hint = "install Apptainer from your distribution or apptainer.org, or ask your site's admins"
    image_suffix = ".sif"

    def build_argv(self, definition: str, image: str, *, fakeroot: bool = True, notest: bool = False) -> list[str]:
        """`build [--fakeroot] [--notest] IMAGE DEF`."""
        argv = [self.binary, "build"]
        if fakeroot:
            argv.append("--fakeroot")
        if notest:
            argv.append("--notest")
        return [*argv, image, definition]

    def exec_argv(self, image: str, command: Sequence[str], *, binds: Sequence[str] = (),
                  env: Sequence[tuple[str, str]] = (), gpu: bool = False) -> list[str]:
        argv = [self.binary, "exec"]
        if gpu:
            argv.append("--nv")
        if binds:
            argv += ["--bind", ",".join(binds)]
        for key, value in env:
            argv += ["--env", f"{key}={value}"]
        return [*argv, image, *command]


@register_engine
class Singularity(Apptainer):
    """SingularityCE 3.x: the same command line as Apptainer under another name."""

    name = "singularity"
    binary = "singularity"
    install_hint = "install SingularityCE, or use --engine apptainer where Apptainer is installed"

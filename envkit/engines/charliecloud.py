"""Charliecloud: ch-image builds the Dockerfile form, ch-run runs it (the engine of this machine and CI).

Example:
    >>> Charliecloud().exec_argv("envkit-local", ["python3", "-V"])[:2]
    ['ch-run', '--set-env']
"""

from __future__ import annotations

from collections.abc import Sequence

from envkit.engines.base import Engine, register_engine


@register_engine
class Charliecloud(Engine):
    """Charliecloud 0.31 from Debian (charliecloud, charliecloud-builders)."""

    name = "charliecloud"
    binary = "ch-image"
    install_hint = "apt-get install charliecloud charliecloud-builders debootstrap squashfs-tools; pip install lark"

    def exec_argv(self, image: str, command: Sequence[str], *, binds: Sequence[str] = (),
                  env: Sequence[tuple[str, str]] = (), gpu: bool = False) -> list[str]:
        argv = ["ch-run", "--set-env", "--unset-env=*"]
        for bind in binds:
            argv += ["-b", bind]
        for key, value in env:
            argv.append(f"--set-env={key}={value}")
        return [*argv, image, "--", *command]

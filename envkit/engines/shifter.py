"""Shifter (NERSC): runs Docker images that its image gateway converted; envkit builds them with Podman.

Documented command lines: `shifter --image=docker:IMAGE:TAG --volume=SRC:DST COMMAND`
(https://shifter.readthedocs.io/en/latest/command/shifter.html); NERSC's GPU module `--module=gpu`, and
`srun ... shifter --image=... COMMAND` in batch jobs, images pulled with `shifterimg pull IMAGE:TAG`
(https://docs.nersc.gov/development/containers/shifter/how-to-use/ [check the module names on your system]).
Shifter passes the host's environment (the launcher's rank variables included); extra variables are set
inside with `env VAR=val`. It only runs images: `envkit build --engine podman`, push the image to a
registry, then `shifterimg pull` it.

Example:
    >>> Shifter().exec_argv("docker:envkit-hal-aigw:latest", ["python3", "-V"], binds=["/scratch"], gpu=True)
    ['shifter', '--image=docker:envkit-hal-aigw:latest', '--module=gpu', '--volume=/scratch:/scratch', 'python3', '-V']
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from envkit.engines.base import GpuKind, RunOnlyEngine, bind_spec, register_engine


@register_engine
class Shifter(RunOnlyEngine):
    """Shifter: `shifter --image=docker:...`, GPUs by `--module=gpu`; images built by Podman."""

    name = "shifter"
    display_name = "Shifter"
    binary = "shifter"
    install_hint = "Shifter is installed by the site (NERSC); there is no Debian package"
    fmt = "docker"
    image_format = "a Docker image converted by Shifter's image gateway (squashfs on the site's file system)"
    builder = "podman"
    import_line = "podman push {tag} REGISTRY/{tag} && shifterimg pull REGISTRY/{tag}"

    def image_path(self, root: Path, name: str) -> Path:
        """The image as Shifter names it: `docker:<tag>:latest` (pushed under that name; no store file)."""
        return Path(f"docker:{name}:latest")

    def image_exists(self, root: Path, name: str) -> bool:
        return False   # Shifter's images live in its gateway, not in envkit's store

    def gpu_flags(self, gpu: GpuKind) -> list[str]:
        return ["--module=gpu"] if gpu and gpu != "amd" else []

    def exec_argv(self, image: str, command: Sequence[str], *, binds: Sequence[str] = (),
                  env: Sequence[tuple[str, str]] = (), gpu: GpuKind = False, host_env: bool = False) -> list[str]:
        argv = [self.binary, f"--image={image}", *self.gpu_flags(gpu)]
        argv += [f"--volume={bind_spec(bind)}" for bind in binds]
        inside = ["env", *(f"{k}={v}" for k, v in env)] if env else []
        return [*argv, *inside, *command]

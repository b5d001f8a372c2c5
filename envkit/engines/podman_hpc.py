"""podman-hpc (NERSC Perlmutter): Podman with HPC defaults; builds like Podman, then `migrate` makes the image
readable on the compute nodes, and runs add `--mpi` and `--gpu`.

Documented command lines (NERSC, https://docs.nersc.gov/development/containers/podman-hpc/overview/ [check the
module flags on your system]; the wrapper: https://github.com/NERSC/podman-hpc): `podman-hpc build -t IMAGE .`,
`podman-hpc migrate IMAGE` (copies the image to the shared squashfs store compute nodes read), and in a job
`srun podman-hpc run --rm --mpi --gpu -v SRC:DST -e VAR=val IMAGE COMMAND` (`--mpi` binds the host's Cray MPICH
and its PMI, `--gpu` the NVIDIA driver). The storage is podman-hpc's own (its graph_root), so no `--root` here.

Example:
    >>> PodmanHpc().exec_argv("/s/podman-hpc/envkit-x", ["python3"], gpu=True)
    ['podman-hpc', 'run', '--rm', '--mpi', '--gpu', 'localhost/envkit-x', 'python3']
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from envkit.engines.base import BuildRequest, GpuKind, bind_spec, register_engine, repeat_flag
from envkit.engines.podman import Podman
from envkit.engines.proc import Command


@register_engine
class PodmanHpc(Podman):
    """podman-hpc: Podman's Docker-form build, then `migrate`; runs with `--mpi` and `--gpu`."""

    name = "podman-hpc"
    display_name = "podman-hpc"
    binary = "podman-hpc"
    install_hint = "podman-hpc is installed by the site (NERSC); elsewhere use --engine podman"
    image_format = "an OCI image, migrated to podman-hpc's squashfs store for the compute nodes"

    def podman(self, root: Path) -> list[str]:
        return [self.binary]

    def build_commands(self, req: BuildRequest, args: dict[str, str] | None = None,
                       binds: Sequence[str] = (), writable: Sequence[str] = ()) -> list[Command]:
        migrate = Command([self.binary, "migrate", self.ref(req.tmp_name)], label="podman-hpc migrate")
        return [*super().build_commands(req, args, binds, writable), migrate]

    def promote(self, root: Path, tmp_name: str, name: str) -> None:
        super().promote(root, tmp_name, name)
        self._query(root, "migrate", self.ref(name))

    def gpu_flags(self, gpu: GpuKind) -> list[str]:
        return ["--gpu"] if gpu and gpu != "amd" else []

    def exec_argv(self, image: str, command: Sequence[str], *, binds: Sequence[str] = (),
                  env: Sequence[tuple[str, str]] = (), gpu: GpuKind = False, host_env: bool = False) -> list[str]:
        return [self.binary, "run", "--rm", "--mpi", *self.gpu_flags(gpu), *repeat_flag("-v", map(bind_spec, binds)),
                *repeat_flag("-e", (f"{key}={value}" for key, value in env)), self.ref(image), *command]

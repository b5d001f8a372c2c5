"""enroot with pyxis (NVIDIA-style Slurm clusters): srun puts each rank in a squashfs image; Podman builds it.

Documented command lines: pyxis adds options to srun, `--container-image=PATH|[REGISTRY#]IMAGE[:TAG]`,
`--container-mounts=SRC:DST[:FLAGS][,SRC:DST...]` (flags joined by `+`), `--no-container-mount-home`
(https://github.com/NVIDIA/pyxis/wiki/Usage); images come from a local Podman with
`enroot import -o IMAGE.sqsh podman://IMAGE[:TAG]` (https://github.com/NVIDIA/enroot/blob/master/doc/cmd/import.md);
one process without Slurm: `enroot start --mount SRC:DST --env VAR=val IMAGE COMMAND`
(https://github.com/NVIDIA/enroot/blob/master/doc/usage.md). NVIDIA GPUs come from enroot's hooks
(NVIDIA_VISIBLE_DEVICES, set by Slurm), so there is no GPU flag. The ranks' variables reach the container from
srun's environment (`--export=ALL,...`).

Example:
    >>> Enroot().container_options("/s/enroot/x.sqsh", binds=["/scratch", "/r:/results"])[:2]
    ['--container-image=/s/enroot/x.sqsh', '--container-mounts=/scratch:/scratch,/r:/results']
"""

from __future__ import annotations

from collections.abc import Sequence

from envkit.engines.base import GpuKind, RunOnlyEngine, bind_spec, register_engine, repeat_flag


@register_engine
class Enroot(RunOnlyEngine):
    """enroot + pyxis: `srun --container-image=IMAGE.sqsh --container-mounts=...`; images built by Podman."""

    name = "enroot"
    display_name = "enroot with pyxis"
    binary = "enroot"
    install_hint = "enroot and pyxis are installed by the site (NVIDIA's enroot packages, pyxis SPANK plugin)"
    fmt = "docker"
    image_suffix = ".sqsh"
    image_format = "a squashfs file (enroot import)"
    builder = "podman"
    needs_launcher = "srun"
    import_line = "enroot import -o {image} podman://{tag}"

    def container_options(self, image: str, *, binds: Sequence[str] = (), env: Sequence[tuple[str, str]] = (),
                          gpu: GpuKind = False) -> list[str] | None:
        out = [f"--container-image={image}"]
        if binds:
            out.append("--container-mounts=" + ",".join(bind_spec(b) for b in binds))
        return [*out, "--no-container-mount-home"]

    def exec_argv(self, image: str, command: Sequence[str], *, binds: Sequence[str] = (),
                  env: Sequence[tuple[str, str]] = (), gpu: GpuKind = False, host_env: bool = False) -> list[str]:
        return [self.binary, "start", *repeat_flag("--mount", map(bind_spec, binds)),
                *repeat_flag("--env", (f"{key}={value}" for key, value in env)), image, *command]

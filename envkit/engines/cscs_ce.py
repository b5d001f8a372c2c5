"""The CSCS Container Engine (Alps): srun runs each rank in the environment an EDF (TOML) describes.

Documented command lines: `srun --environment=/abs/path/NAME.toml COMMAND`
(https://docs.cscs.ch/software/container-engine/run/); the EDF keys `image` (a registry reference or a local
squashfs file), `mounts` (`"SRC:DST"` strings), `workdir`, `[env]` and `[annotations]`
(https://docs.cscs.ch/software/container-engine/edf/); a local image comes from Podman with
`enroot import -x mount -o IMAGE.sqsh podman://IMAGE` (CSCS's building-images guide,
https://docs.cscs.ch/build-install/containers/ [check]). On GPU sites the EDF turns on the NCCL/libfabric hook
(`com.hooks.aws_ofi_nccl.enabled = "true"`, [check the hook's variant on your vCluster]). envkit writes the EDF
from the profile beside the image, `<store>/cscs-ce/<tag>.toml`, when a run or job is prepared.

Example:
    >>> print(CscsCe().edf("/s/cscs-ce/envkit-x.sqsh", binds=["/capstor"], env=[("A", "1")]), end="")
    # Written by envkit from the site profile (envkit.engines.cscs_ce).
    image = "/s/cscs-ce/envkit-x.sqsh"
    mounts = ["/capstor:/capstor"]
    <BLANKLINE>
    [env]
    A = "1"
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from envkit.engines.base import GpuKind, RunOnlyEngine, bind_spec, register_engine


def _toml_string(value: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's for the characters profiles allow)."""
    return json.dumps(value, ensure_ascii=False)


@register_engine
class CscsCe(RunOnlyEngine):
    """CSCS Container Engine: `srun --environment=EDF.toml`; images squashfs files imported from Podman."""

    name = "cscs-ce"
    display_name = "CSCS Container Engine"
    binary = "srun"
    install_hint = "the Container Engine is part of CSCS's Slurm on Alps; it runs nowhere else"
    fmt = "docker"
    image_suffix = ".sqsh"
    image_format = "a squashfs file, named by an EDF (TOML)"
    builder = "podman"
    needs_launcher = "srun"
    import_line = "enroot import -x mount -o {image} podman://{tag}"

    @staticmethod
    def edf_path(image: str) -> str:
        """The EDF beside the image: `/s/cscs-ce/envkit-x.sqsh` -> `/s/cscs-ce/envkit-x.toml`."""
        return str(Path(image).with_suffix(".toml"))

    def edf(self, image: str, *, binds: Sequence[str] = (), env: Sequence[tuple[str, str]] = (),
            gpu: GpuKind = False) -> str:
        """The EDF's text: image, mounts, environment, and the NCCL hook on GPU sites."""
        mounts = ", ".join(_toml_string(bind_spec(b)) for b in binds)
        lines = ["# Written by envkit from the site profile (envkit.engines.cscs_ce).",
                 f"image = {_toml_string(image)}", f"mounts = [{mounts}]"]
        if env:
            lines += ["", "[env]", *(f"{k} = {_toml_string(v)}" for k, v in env)]
        if gpu and gpu != "amd":
            lines += ["", "[annotations]", 'com.hooks.aws_ofi_nccl.enabled = "true"']
        return "\n".join(lines) + "\n"

    def container_options(self, image: str, *, binds: Sequence[str] = (), env: Sequence[tuple[str, str]] = (),
                          gpu: GpuKind = False) -> list[str] | None:
        return [f"--environment={self.edf_path(image)}"]

    def run_files(self, image: str, *, binds: Sequence[str] = (), env: Sequence[tuple[str, str]] = (),
                  gpu: GpuKind = False) -> dict[str, str]:
        return {self.edf_path(image): self.edf(image, binds=binds, env=env, gpu=gpu)}

    def exec_argv(self, image: str, command: Sequence[str], *, binds: Sequence[str] = (),
                  env: Sequence[tuple[str, str]] = (), gpu: GpuKind = False, host_env: bool = False) -> list[str]:
        return ["srun", "--ntasks=1", f"--environment={self.edf_path(image)}", *command]

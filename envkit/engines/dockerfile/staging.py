"""What a Charliecloud build gets besides its context: build-time ARGs (the host's pip settings, the fakeroot
shim, parallelism) and bind mounts, staged in a shared /tmp folder that lives as long as the build.

Example:
    >>> extras = BuildExtras({"MAKEFLAGS": "-j2"}, [], None)
    >>> list(extras.args)
    ['MAKEFLAGS']
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from envkit.engines.base import BuildRequest
from envkit.engines.dockerfile.fakeroot import BASH_ENV_SCRIPT


class BuildExtras:
    """Build-time extras: ARGs (pip settings, BASH_ENV, parallelism) and bind mounts, in a /tmp folder."""

    def __init__(self, args: dict[str, str], binds: list[str], folder: Path | None) -> None:
        self.args, self.binds, self.folder = args, binds, folder

    @classmethod
    def placeholder(cls) -> BuildExtras:
        """What --dry-run shows: the names of the ARGs a real build would pass."""
        from envkit.engines.dockerfile.pipconf import PIP_KEYS, host_pip_settings

        settings = host_pip_settings()
        args = {PIP_KEYS[k]: "<staged>" if k in ("cert", "constraint", "find-links", "index-url",
                                                  "extra-index-url", "client-cert") else v
                for k, v in settings.items()}
        return cls({**args, "BASH_ENV": "<staged>/bashenv.sh"}, ["<host pip folders>:<staged>"]
                   if any(v == "<staged>" for v in args.values()) else [], None)

    @classmethod
    def make(cls, req: BuildRequest) -> BuildExtras:
        from envkit.engines.dockerfile.pipconf import SHARED_TMP, host_pip_settings, stage_pip

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

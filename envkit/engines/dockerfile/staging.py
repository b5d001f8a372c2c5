"""What a Charliecloud build gets besides its context: build-time ARGs (the host's pip settings, the fakeroot
shim, parallelism, the store's download cache) and bind mounts, staged in a shared /tmp folder that lives as
long as the build.

The download cache is one folder of the store (`<store>/<engine>/cache`), bound into every build and named by
ENVKIT_BUILD_CACHE: the install scripts keep apt's .deb files there (per starting image) and pip's HTTP cache
(--cache-dir), so a second base (another MPI) or a rebuild downloads nothing twice. Measured: a rebuild fetched
apt's indexes only. pip keeps nothing there when envkit runs as root: inside the build's user namespace the
host's root is not root, and pip silently disables a cache folder its user does not own (a builder running
as an ordinary user maps to root there, and pip caches). Nothing is trusted for
being there: apt checks each .deb against its signed index, pip each file against the lock's sha256
(--require-hashes). A build without the variable (Apptainer) downloads as before and keeps no cache.

A base may also get a venv donor (envkit.engines.charliecloud.Charliecloud.venv_donor): another built base's
/opt/envkit, bound at ENVKIT_VENV_DONOR, and its venv bound at the image's venv path, which the install script
then checks against the lock instead of installing (envkit.recipe.venv_reuse).

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
from envkit.paths import VENV

CACHE_ARG = "ENVKIT_BUILD_CACHE"
DONOR_ARG = "ENVKIT_VENV_DONOR"   # a base's /opt/envkit whose venv this base may copy (envkit.recipe.venv_reuse)


class BuildExtras:
    """Build-time extras: ARGs (pip settings, BASH_ENV, parallelism) and bind mounts, in a /tmp folder."""

    def __init__(self, args: dict[str, str], binds: list[str], folder: Path | None,
                 writable: tuple[str, ...] = ()) -> None:
        """`binds`: every bind of the build; `writable`: those of them the build writes to (the download cache),
        which an engine that mounts binds read-only by default (Podman) mounts read-write."""
        self.args, self.binds, self.folder, self.writable = args, binds, folder, writable

    @classmethod
    def placeholder(cls) -> BuildExtras:
        """What --dry-run shows: the names of the ARGs a real build would pass."""
        from envkit.engines.dockerfile.pipconf import PIP_KEYS, host_pip_settings

        settings = host_pip_settings()
        args = {PIP_KEYS[k]: "<staged>" if k in ("cert", "constraint", "find-links", "index-url",
                                                  "extra-index-url", "client-cert") else v
                for k, v in settings.items()}
        binds = ["<host pip folders>:<staged>"] if any(v == "<staged>" for v in args.values()) else []
        cache_bind = "<store>/cache:<staged>/cache"
        return cls({**args, "BASH_ENV": "<staged>/bashenv.sh", CACHE_ARG: "<staged>/cache"},
                   [*binds, cache_bind], None, (cache_bind,))

    @classmethod
    def make(cls, req: BuildRequest, venv_donor: Path | None = None) -> BuildExtras:
        """Stage the extras of one build; `venv_donor`: another base's /opt/envkit (the engine found there a
        venv with this base's key), bound at ENVKIT_VENV_DONOR and its venv at the image's venv path."""
        from envkit.engines.dockerfile.pipconf import SHARED_TMP, host_pip_settings, stage_pip

        sweep_staging(Path(SHARED_TMP))
        folder = Path(tempfile.mkdtemp(prefix=f"envkit-build-{os.getpid()}-", dir=SHARED_TMP))
        os.chmod(folder, 0o755)
        pip = stage_pip(host_pip_settings(), folder=folder)
        (folder / "bashenv.sh").write_text(BASH_ENV_SCRIPT)
        cache = req.root / "cache"
        cache.mkdir(parents=True, exist_ok=True)
        (folder / "cache").mkdir()
        args = {**pip.args, "BASH_ENV": str(folder / "bashenv.sh"), CACHE_ARG: str(folder / "cache")}
        if req.jobs:
            args.update({"MAKEFLAGS": f"-j{req.jobs}", "CMAKE_BUILD_PARALLEL_LEVEL": str(req.jobs),
                         "MAX_JOBS": str(req.jobs)})
        cache_bind = f"{cache}:{folder / 'cache'}"
        binds = [*pip.binds, cache_bind]
        if venv_donor is not None:
            (folder / "donor").mkdir()
            binds += [f"{venv_donor}:{folder / 'donor'}", f"{venv_donor / 'venv'}:{VENV}"]
            args[DONOR_ARG] = str(folder / "donor")
        return cls(args, binds, folder, (cache_bind,))

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

"""A project's image: built (base, site, project layer, each only when its inputs changed) and named for a run.

Example:
    $ python -c 'from envkit.launch.project_image import project_image as p; print(p("local", "myproj")[0])'
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

from envkit.launch.run import ImageRef


def project_image(site: str, folder: str | Path, engine: str | None = None, store: Path | None = None,
                  dry_run: bool = False, quiet: bool = False):
    """(ImageRef of the project's image, whether it was stale, the build plan); built first unless dry_run.

    Build progress goes to stderr, so stdout stays for the command's own output.
    """
    from envkit.engines.base import get_engine
    from envkit.errors import EnvkitError
    from envkit.launch.run import gpu_kind
    from envkit.pipeline.build import BuildOptions, plan_build, run_build
    from envkit.pipeline.progress import PlainReporter, SilentReporter
    from envkit.profile import load_profile

    name = engine or load_profile(site).container.engine
    if get_engine(name).builder is not None:
        raise EnvkitError(f"engine {name} only runs images; a project's layer is built by envkit with a building "
                          f"engine (--engine charliecloud, apptainer or podman), then run")
    opts = BuildOptions(site=site, project=Path(folder), engine=engine, store=store, dry_run=dry_run)
    plan = plan_build(opts)
    stale = any(lp.needs_build for lp in plan.layers)
    if stale and not dry_run:
        plan = run_build(opts, SilentReporter() if quiet else PlainReporter(sys.stderr))
    profile = plan.profile
    try:
        manifest_hash = hashlib.sha256(plan.top.paths.manifest.read_bytes()).hexdigest()[:16]
    except OSError:
        manifest_hash = ""
    binds = tuple(dict.fromkeys([*profile.container.binds, *profile.mpi.bind_paths]))
    ref = ImageRef(engine=plan.engine, image=plan.top.image, binds=binds, gpu=gpu_kind(profile),
                   manifest_hash=manifest_hash)
    return ref, stale, plan

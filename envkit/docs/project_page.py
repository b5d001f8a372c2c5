"""The help-desk page "Your project on SITE" (`envkit docs --site SITE --project`), rendered from the profile
and the same launch function as `envkit run`, so its lines are the ones a run uses.

Example:
    >>> "mpirun -np 2" in project_page("local")
    True
"""

from __future__ import annotations

import shlex
from pathlib import Path

EXAMPLE = Path("/home/you/myproj")


def project_page(site: str) -> str:
    """The Markdown page for `site`."""
    from envkit.engines.base import get_engine
    from envkit.launch.run import ImageRef, RunRequest, compose, gpu_kind, ranks
    from envkit.lock.inputs import site_inputs
    from envkit.profile import load_profile
    from envkit.recipe.project_layer import PROJECT_DIR, project_tag
    from envkit.recipe.render import render_template

    profile = load_profile(site)
    base = site_inputs(profile)[0]
    req = RunRequest(site=site, workload="myproj", project=EXAMPLE, run_id="myproj-1", results=Path("results"),
                     args=["python", "train.py"])
    nodes, per_node = ranks(profile, req)
    tag = project_tag(profile, "myproj")
    image = ImageRef(engine=get_engine(profile.container.engine), image=f"STORE/{tag}",
                     gpu=gpu_kind(profile),
                     binds=tuple(dict.fromkeys([*profile.container.binds, *profile.mpi.bind_paths])))
    argv = compose(profile, req, image, in_job_script=profile.scheduler.kind != "none")
    site_arg = f"--site {shlex.quote(profile.name)}"
    return render_template(
        "docs/project.md.j2", profile=profile, lockable=base.resolvable, why=base.why, python=base.python_version,
        platform=base.python_platform, tag=tag, project_dir=PROJECT_DIR, launcher=argv[0], nodes=nodes,
        world=nodes * per_node, launch_line=shlex.join(argv).replace(str(EXAMPLE.parent), "$HOME")
        .replace(str(Path("results").resolve()), "$PWD/results"),
        lock_line=f"envkit lock {site_arg} ~/myproj",
        run_line=f"envkit run {site_arg} ~/myproj -- python train.py",
        submit_line=(f"envkit submit {site_arg} ~/myproj --nodes 1 -- python train.py"
                     if profile.scheduler.kind != "none" else ""))

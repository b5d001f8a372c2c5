"""The project layer: a researcher's own packages, from the project's lock, on the site layer.

It holds no code: the project folder is bound at PROJECT_DIR when a run starts, so a code change rebuilds
nothing; a requirements change changes the lock, hence this layer's script and key, and rebuilds only it.
It also carries envkit's rank wrapper (envkit.launch.pmi_env and what it imports, torch-free) under SHIM,
on the venv's path, so `python -m envkit.launch.pmi_env COMMAND` works in every rank.

Example:
    >>> import tempfile, pathlib
    >>> from envkit.profile import load_profile
    >>> from envkit.project.spec import load_project
    >>> project_tag(load_profile("local"), "demo")
    'envkit-local-project-demo'
"""

from __future__ import annotations

from envkit.paths import IMAGE_ROOT, VENV
from envkit.profile.model import Profile
from envkit.recipe.layers import _labels, site_tag
from envkit.recipe.model import Layer
from envkit.recipe.render import render_template

PROJECT_DIR = f"{IMAGE_ROOT}/project"
"""Where a run binds the project's folder (and where its ranks start)."""

SHIM = f"{IMAGE_ROOT}/shim"
"""The rank wrapper's own small copy of envkit (torch-free modules only)."""

SHIM_FILES = ("envkit/errors.py", "envkit/registry.py", "envkit/schedulers", "envkit/launch/hosts.py",
              "envkit/launch/pmi_env.py")
"""What `python -m envkit.launch.pmi_env` imports, closed (tests/project checks it imports without pydantic or
PyYAML, which the base does not hold); the post script writes empty envkit/ and envkit/launch/ packages."""


def project_tag(profile: Profile, name: str) -> str:
    """Image name of a project layer: envkit-<site>-project-<name>."""
    return f"envkit-{profile.name}-project-{name}"


def project_layer(profile: Profile, project, lock) -> Layer:
    """The layer of `project` (envkit.project.spec.Project) installed from `lock` (envkit.project.lock)."""
    files = tuple((src, f"{SHIM}/{src}") for src in SHIM_FILES)
    files += tuple((str(project.folder / src), dst) for src, dst in sorted(project.config.files.items()))
    names = list(project.config.os_packages)
    ctx = {"project": project, "lock": lock, "lock_hash": lock.digest(), "lock_name": lock.path.name,
           "image_root": IMAGE_ROOT, "venv": VENV, "shim": SHIM, "project_dir": PROJECT_DIR,
           "apt_install": [f"{n}={lock.apt[n]}" if lock.apt.get(n) else n for n in names]}
    env = (("ENVKIT_PROJECT", project.name), *sorted(project.config.env.items()))
    runscript = None
    if project.config.command:
        import shlex

        runscript = f"cd {shlex.quote(PROJECT_DIR)} && exec {shlex.join(project.config.command)} \"$@\"\n"
    return Layer(
        kind="project",
        tag=project_tag(profile, project.name),
        parent=site_tag(profile),
        files=files,
        post=render_template("scripts/project.post.sh.j2", **ctx),
        test=render_template("scripts/project.test.sh.j2", **ctx),
        environment=env,
        labels=_labels(profile, "project", {"org.envkit.project": project.name,
                                            "org.envkit.project-lock": lock.digest()}),
        runscript=runscript,
        help=f"{project.name}: a project on {profile.title}; its code is bound at {PROJECT_DIR} at run time.",
    )

"""A project's lock: pylock.<site>.toml beside the project (PEP 751, written by uv), with envkit's facts in its
`[tool.envkit]` table (the inputs' hash, the site, the site's Python and platform, OS package versions, and
what could not be locked here).

The project is resolved for the site's Python and platform (not this machine's), with the site's base lock as
constraints, so the project cannot move torch or numpy under the base; packages the base already holds at
the locked version are left out (they are installed).

Example:
    >>> import tempfile, pathlib
    >>> from envkit.profile import load_profile
    >>> from envkit.project.spec import load_project
    >>> d = pathlib.Path(tempfile.mkdtemp()); _ = (d / "requirements.txt").write_text("six\\n")
    >>> inputs = project_inputs(load_profile("local"), load_project(str(d)))
    >>> inputs.layer, inputs.python_platform, inputs.requirements
    ('project', 'x86_64-manylinux_2_36', ('six',))
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from pathlib import Path

from envkit.errors import EnvkitError
from envkit.lock.files import Package, load_site_lock, read_pylock
from envkit.lock.inputs import LayerInputs, site_inputs
from envkit.lock.tomlread import load_toml
from envkit.project.spec import Project


@dataclass(frozen=True)
class ProjectLock:
    """A project's lock as the recipe reads it."""

    path: Path
    inputs: str
    packages: dict[str, Package]
    apt: dict[str, str]
    not_locked: tuple[str, ...]

    def requirements(self) -> list[str]:
        """Hash-checking requirement lines, sorted by name."""
        return [p.requirement() for _n, p in sorted(self.packages.items())]

    def digest(self) -> str:
        """sha256 (16 hex) of the lock file's bytes: what a run's record names."""
        return hashlib.sha256(self.path.read_bytes()).hexdigest()[:16]


def project_inputs(profile, project: Project) -> LayerInputs:
    """What the project's lock is resolved from: its requirements on the site's Python and platform."""
    base = site_inputs(profile)[0]
    if not base.resolvable:
        raise EnvkitError(f"site {profile.name}: its base cannot be locked here ({base.why}), so neither can a "
                          "project on it")
    site_lock = load_site_lock(profile.name)
    base_lock = site_lock.layers.get("base") if site_lock else None
    return replace(base, layer="project", requirements=project.requirements,
                   apt=tuple(project.config.os_packages), conda=project.not_locked, local=(),
                   extra={"site": profile.name, "base_lock": base_lock.inputs if base_lock else ""})


def _toml_string(text: str) -> str:
    return json.dumps(text)  # a JSON string is a valid TOML basic string for the characters we write


def write_project_lock(profile, project: Project, upgrade: list[str] | None = None) -> tuple[Path, dict[str, str]]:
    """Resolve and write PROJECT/pylock.<site>.toml atomically; returns (path, {name: version})."""
    from envkit.fsutil import atomic_write_text
    from envkit.lock.resolve import resolve_apt, resolve_python

    inputs = project_inputs(profile, project)
    site_lock = load_site_lock(profile.name)
    base_lock = site_lock.layers.get("base") if site_lock else None
    if base_lock is None:
        raise EnvkitError(f"site {profile.name} has no base lock; `envkit lock --site {profile.name}` writes it")
    base_pins = base_lock.pins()
    path = project.lock_path(profile.name)
    previous = {}
    if path.is_file() and upgrade != []:
        previous = {n: p.version for n, p in read_pylock(path).items()}
    text = resolve_python(inputs, previous, upgrade, constraints=base_pins, skip=base_pins) \
        if inputs.requirements else 'lock-version = "1.0"\ncreated-by = "envkit"\npackages = []\n'
    apt, _source, why = resolve_apt(inputs.apt, inputs.image)
    if inputs.apt and why:
        raise EnvkitError(f"os_packages cannot be pinned here: {why}", file=str(project.folder / "envkit.yaml"))
    tool = ["", "[tool.envkit]", f"site = {_toml_string(profile.name)}", f"inputs = {_toml_string(inputs.digest())}",
            f"python = {_toml_string(inputs.python_version)}", f"platform = {_toml_string(inputs.python_platform)}",
            f"not-locked = [{', '.join(_toml_string(c) for c in project.not_locked)}]",
            "", "[tool.envkit.apt]", *(f"{_toml_string(n)} = {_toml_string(v)}" for n, v in sorted(apt.items()))]
    atomic_write_text(path, text.rstrip("\n") + "\n" + "\n".join(tool) + "\n")
    return path, {n: p.version for n, p in read_pylock(path).items()}


def load_project_lock(profile, project: Project, *, fresh: bool = True) -> ProjectLock:
    """The project's lock for the site; a one-line error when it is missing, unreadable or (fresh) stale."""
    path = project.lock_path(profile.name)
    fix = f"`envkit lock --site {profile.name} {project.folder}` writes it"
    if not path.is_file():
        raise EnvkitError(f"project {project.name}: no lock for site {profile.name} ({path.name}); {fix}")
    packages = read_pylock(path)
    try:
        tool = load_toml(path.read_text()).get("tool", {}).get("envkit", {})
    except ValueError as exc:
        raise EnvkitError(f"cannot read the lock: {exc}", file=str(path)) from None
    if fresh and tool.get("inputs") != project_inputs(profile, project).digest():
        raise EnvkitError(f"project {project.name}: the lock is stale (requirements, envkit.yaml os_packages or the "
                          f"site's base changed since it was written); {fix}", file=str(path))
    return ProjectLock(path=path, inputs=str(tool.get("inputs", "")), packages=packages,
                       apt=dict(tool.get("apt", {})), not_locked=tuple(tool.get("not-locked", ())))

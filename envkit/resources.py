"""Where envkit finds its data: site profiles, recipes, bases.

The folders live at the top of the repository. `ENVKIT_HOME` points elsewhere
(a site's own checkout); `ENVKIT_PROFILE_PATH` adds folders of site profiles.

Example:
    >>> (home() / "site-profiles").is_dir()
    True
"""

from __future__ import annotations

import os
from pathlib import Path


def home() -> Path:
    """The envkit tree: $ENVKIT_HOME, else the checkout this package sits in."""
    env = os.environ.get("ENVKIT_HOME")
    if env:
        return Path(env)
    return Path(__file__).resolve().parent.parent


def profile_dirs() -> list[Path]:
    """Folders searched for `<site>.yaml`, first match wins."""
    extra = [Path(p) for p in os.environ.get("ENVKIT_PROFILE_PATH", "").split(os.pathsep) if p]
    return [*extra, home() / "site-profiles"]


def recipes_dir() -> Path:
    """Jinja2 templates for definitions, Dockerfiles and docs."""
    return home() / "recipes"


def bases_dir() -> Path:
    """Maintained base images: one YAML each (bases/envkit-base.yaml and admins' clones)."""
    return home() / "bases"


def containers_dir() -> Path:
    """Rendered definitions committed for admins to read and diff."""
    return home() / "containers"


def workloads_dir() -> Path:
    """Bundled workloads (resnet50, aigw, aides)."""
    return home() / "workloads"

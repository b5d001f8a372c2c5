"""Where envkit finds its data (site profiles, recipes, bases, workloads) and where it writes an admin's own.

Two kinds of folder, searched in this order:

- the user's (or site's) folder, the only one envkit writes to: ``$ENVKIT_HOME``, else
  ``$XDG_DATA_HOME/envkit``, else ``~/.local/share/envkit``. Admins' base clones and extra site profiles
  go here, with the same layout (``site-profiles/``, ``recipes/``, ``bases/``, ``workloads/``);
- the shipped data, read-only: the top-level folders of a checkout (an editable install), or the same
  folders packaged under ``envkit/_data`` in a wheel (setup.py copies them in at build time) and read
  through ``importlib.resources``.

``ENVKIT_PROFILE_PATH`` (an ``os.pathsep`` list) puts more folders of site profiles in front.

Example:
    >>> (shipped() / "site-profiles" / "hal.yaml").is_file()
    True
    >>> writable("bases") == user_home() / "bases"
    True
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

PACKAGED = "_data"
"""The folder inside the installed package that holds the shipped data (a wheel only)."""

SHIPPED_FOLDERS = ("site-profiles", "recipes", "bases", "workloads", "known-issues")
"""The top-level folders of a checkout that ship as package data."""


def shipped() -> Path:
    """The folder that holds the shipped data folders: envkit/_data in a wheel, else the checkout."""
    packaged = resources.files("envkit") / PACKAGED
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parent.parent


def user_home() -> Path:
    """The user's or site's envkit folder: $ENVKIT_HOME, else $XDG_DATA_HOME/envkit, else ~/.local/share/envkit."""
    env = os.environ.get("ENVKIT_HOME")
    if env:
        return Path(env)
    return xdg_data_home()


def xdg_data_home() -> Path:
    """$XDG_DATA_HOME/envkit, else ~/.local/share/envkit (the XDG Base Directory default)."""
    data = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data) / "envkit"


def roots() -> list[Path]:
    """user_home() then shipped() (once, where they are the same folder)."""
    mine, ours = user_home(), shipped()
    return [ours] if mine.resolve() == ours.resolve() else [mine, ours]


def _both(folder: str) -> list[Path]:
    return [root / folder for root in roots()]


def locate(relative: str) -> Path:
    """The first of roots() that holds `relative` (a layer's copied file, e.g. `workloads/aigw`), else the
    shipped path (whose absence the caller reports)."""
    paths = [root / relative for root in roots()]
    return next((p for p in paths if p.exists()), paths[-1])


def relative_to_root(path: Path) -> str:
    """`path` relative to the root of roots() that holds it (the inverse of locate), else `path` itself."""
    for root in roots():
        for base in dict.fromkeys((root, root.resolve())):
            if path.is_relative_to(base):
                return path.relative_to(base).as_posix()
    return str(path)


def profile_dirs() -> list[Path]:
    """Folders searched for `<site>.yaml`, first match wins."""
    extra = [Path(p) for p in os.environ.get("ENVKIT_PROFILE_PATH", "").split(os.pathsep) if p]
    return [*extra, *_both("site-profiles")]


def recipe_dirs() -> list[Path]:
    """Folders of Jinja2 templates (definitions, Dockerfiles, install scripts, docs), first match wins."""
    return _both("recipes")


def base_dirs() -> list[Path]:
    """Folders of base YAML files (the maintained envkit-base and admins' clones), first match wins."""
    return _both("bases")


def workload_dirs() -> list[Path]:
    """Folders of workloads (one sub-folder with a workload.yaml each), first match wins."""
    return _both("workloads")


def known_issue_dirs() -> list[Path]:
    """Folders of known issues (one YAML file per issue): an admin's own first, then the shipped ones."""
    return _both("known-issues")


def writable(folder: str) -> Path:
    """Where envkit writes new files of `folder` (an admin's base clone): under user_home(), never the install."""
    return user_home() / folder


def containers_dir() -> Path:
    """Rendered definitions committed for admins to read and diff (a checkout's containers/)."""
    return shipped() / "containers"

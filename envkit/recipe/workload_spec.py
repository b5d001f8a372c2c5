"""What a bundled workload asks of the image: read from workloads/<name>/workload.yaml.

Only the keys the recipe needs are read here (name, description, packages);
presets and hyperparameters belong to the training runner.

Example:
    >>> spec = load_workload_spec("aigw")
    >>> spec.name
    'aigw'
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from envkit.errors import EnvkitError
from envkit.profile.fields import Name, Requirement, Text
from envkit.profile.validate import validate_doc
from envkit.profile.yamlsource import YamlDoc, load_yaml_file
from envkit.resources import workloads_dir


class Packages(BaseModel):
    """OS and Python packages a workload layer installs."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)
    pip: list[Requirement] = Field(default_factory=list)
    apt: list[Requirement] = Field(default_factory=list)


class WorkloadSpec(BaseModel):
    """The recipe's view of a workload: a name, a one-line description, packages."""

    model_config = ConfigDict(extra="ignore", strict=True, frozen=True)
    name: Name
    description: Text
    dependencies: Packages = Field(default_factory=Packages)


def list_workloads() -> list[str]:
    """Bundled workloads: folders of workloads/ that hold a workload.yaml."""
    return sorted(p.parent.name for p in workloads_dir().glob("*/workload.yaml"))


def workload_dir(name_or_path: str) -> Path:
    """workloads/<name>, given `aigw` or `workloads/aigw`."""
    name = Path(name_or_path.rstrip("/")).name
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}", name):
        raise EnvkitError(f"workload {name_or_path[:70]!r} is not a workload name or folder "
                          f"(bundled workloads: {', '.join(list_workloads()) or 'none'})")
    path = workloads_dir() / name
    if "/" in name_or_path:  # a folder was named: it must be that workload's, not silently the bundled one
        given = Path(name_or_path)
        if not os.path.isdir(given):  # os.path: a name too long is "not there", not an OSError
            raise EnvkitError(f"workload folder {name_or_path!r} does not exist")
        if given.resolve() != path.resolve():
            raise EnvkitError(f"workload folder {name_or_path!r} is not the bundled {path} "
                              "(envkit runs its bundled workloads; give the name, e.g. aigw)")
    if not (path / "workload.yaml").is_file():
        known = ", ".join(list_workloads()) or "none"
        raise EnvkitError(f"unknown workload {name_or_path!r} (bundled workloads: {known})")
    return path


def load_workload_spec(name_or_path: str) -> WorkloadSpec:
    """Validate the recipe-relevant part of a workload.yaml."""
    path = workload_dir(name_or_path) / "workload.yaml"
    doc = load_yaml_file(path)
    data: Any = doc.data
    if isinstance(data, dict):
        data = {k: data[k] for k in ("name", "description", "dependencies") if k in data}
    return validate_doc(WorkloadSpec, YamlDoc(data=data, lines=doc.lines, file=doc.file))

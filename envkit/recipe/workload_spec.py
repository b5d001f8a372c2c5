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
from envkit.paths import WORKLOADS
from envkit.profile.fields import Name, Requirement, Text
from envkit.profile.validate import validate_doc
from envkit.profile.yamlsource import YamlDoc, load_yaml_file
from envkit.resources import workload_dirs


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
    """Bundled workloads: folders of workloads/ (the user's and the shipped one) that hold a workload.yaml."""
    return sorted({p.parent.name for d in workload_dirs() for p in d.glob("*/workload.yaml")})


def search_dirs() -> list[Path]:
    """Folders searched for a workload by name, first match wins: $ENVKIT_WORKLOADS (an os.pathsep list),
    the user's and the shipped workloads/ (envkit.resources), the image's workloads folder (inside an envkit
    image), then ./workloads."""
    extra = [Path(p) for p in os.environ.get("ENVKIT_WORKLOADS", "").split(os.pathsep) if p]
    return [*extra, *workload_dirs(), Path(WORKLOADS), Path.cwd() / "workloads"]


def workload_dir(name_or_path: str) -> Path:
    """The folder of a workload given as a name (`aigw`), a relative path (`workloads/aigw`) or any folder
    holding a workload.yaml (`/abs/path/mywl`): envkit's one workload finder (the training runner uses it)."""
    path = Path(name_or_path)
    if os.path.isfile(path / "workload.yaml"):  # os.path: a name too long is "not there", not an OSError
        return path.resolve()
    given = Path(name_or_path.rstrip("/"))
    name = given.name
    bundled_form = given.parent == Path("workloads")  # `workloads/aigw`, as docs write it
    if "/" in name_or_path and not bundled_form:  # a folder was named: it must exist and hold a workload
        if not os.path.isdir(name_or_path):  # os.path: a name too long is "not there", not an OSError
            raise EnvkitError(f"workload folder {name_or_path[:200]!r} does not exist")
        raise EnvkitError(f"workload folder {name_or_path[:200]!r} has no workload.yaml")
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}", name):
        raise EnvkitError(f"workload {name_or_path[:70]!r} is not a workload name or folder")
    for folder in search_dirs():
        if (folder / name / "workload.yaml").is_file():
            return (folder / name).resolve()
    known = sorted({p.parent.name for d in search_dirs() if d.is_dir() for p in d.glob("*/workload.yaml")})
    raise EnvkitError(f"unknown workload {name_or_path!r} (known: {', '.join(known) or 'none'})")


def load_workload_spec(name_or_path: str) -> WorkloadSpec:
    """Validate the recipe-relevant part of a workload.yaml."""
    path = workload_dir(name_or_path) / "workload.yaml"
    doc = load_yaml_file(path)
    data: Any = doc.data
    if isinstance(data, dict):
        data = {k: data[k] for k in ("name", "description", "dependencies") if k in data}
    return validate_doc(WorkloadSpec, YamlDoc(data=data, lines=doc.lines, file=doc.file))

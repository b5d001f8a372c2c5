"""What a bundled workload asks of the image: read from workloads/<name>/workload.yaml.

Only the keys the recipe needs are read here (name, description, packages);
presets and hyperparameters belong to the training runner.

Example:
    >>> spec = load_workload_spec("aigw")
    >>> spec.name
    'aigw'
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from envkit.errors import EnvkitError
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
    """Bundled workloads: folders of workloads/ that hold a workload.yaml."""
    return sorted({p.parent.name for d in workload_dirs() for p in d.glob("*/workload.yaml")})


def workload_dir(name_or_path: str) -> Path:
    """workloads/<name>, given `aigw` or `workloads/aigw`."""
    name = Path(name_or_path.rstrip("/")).name
    for folder in workload_dirs():
        if (folder / name / "workload.yaml").is_file():
            return folder / name
    known = ", ".join(list_workloads()) or "none"
    raise EnvkitError(f"unknown workload {name_or_path!r} (bundled workloads: {known})")


def load_workload_spec(name_or_path: str) -> WorkloadSpec:
    """Validate the recipe-relevant part of a workload.yaml."""
    path = workload_dir(name_or_path) / "workload.yaml"
    doc = load_yaml_file(path)
    data: Any = doc.data
    if isinstance(data, dict):
        data = {k: data[k] for k in ("name", "description", "dependencies") if k in data}
    return validate_doc(WorkloadSpec, YamlDoc(data=data, lines=doc.lines, file=doc.file))

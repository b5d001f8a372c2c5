"""A project folder: what it asks of the image, read with limits and strict models.

A project is a folder holding one of `requirements.txt`, `pyproject.toml` (its `[project] dependencies`, plus
the optional groups named in envkit.yaml) or `environment.yml` (its `pip:` part; conda packages cannot be
resolved here and are listed as not locked), and optionally `envkit.yaml`:

    name: myproj              # default: the folder's name
    os_packages: [libgomp1]   # from the site's OS, installed in the project layer
    files: {data/vocab.txt: /opt/envkit/project-files/vocab.txt}   # copied in at build time
    env: {MY_SETTING: "1"}    # set in every rank
    command: [python, train.py]   # what `envkit run` runs when no command follows `--`
    groups: [dev]             # pyproject optional dependency groups to install

The code itself is never copied: it is bound into the image at run time, so a code change rebuilds nothing.

Example:
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp()) / "demo"
    >>> d.mkdir(); _ = (d / "requirements.txt").write_text("tabulate==0.9.0  # tables\\n")
    >>> p = load_project(str(d))
    >>> p.name, p.requirements, p.source
    ('demo', ('tabulate==0.9.0',), 'requirements.txt')
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from envkit.errors import EnvkitError
from envkit.profile.fields import EnvName, EnvValue, Requirement
from envkit.profile.validate import validate_doc
from envkit.profile.yamlsource import MAX_FILE_BYTES, YamlDoc, load_yaml_file, read_regular_file

CONFIG = "envkit.yaml"
SOURCES = ("requirements.txt", "pyproject.toml", "environment.yml", "environment.yaml")
MAX_REQUIREMENTS = 500
ProjectName = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_.-]{0,47}$")]
RelPath = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_][A-Za-z0-9._/+@-]*$", max_length=256)]
ImagePath = Annotated[str, StringConstraints(pattern=r"^/[A-Za-z0-9._/+@-]+$", max_length=256)]
Word = Annotated[str, StringConstraints(pattern=r"^[^\x00-\x1f\x7f]*$", min_length=1, max_length=512)]


class ProjectConfig(BaseModel):
    """envkit.yaml: everything optional; unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)
    name: ProjectName | None = None
    os_packages: list[Requirement] = Field(default_factory=list, max_length=100)
    files: dict[RelPath, ImagePath] = Field(default_factory=dict, max_length=100)
    env: dict[EnvName, EnvValue] = Field(default_factory=dict, max_length=100)
    command: list[Word] = Field(default_factory=list, max_length=100)
    groups: list[ProjectName] = Field(default_factory=list, max_length=20)


@dataclass(frozen=True)
class Project:
    """A project folder as envkit sees it."""

    folder: Path                     # absolute
    name: str
    source: str                      # the requirements file read
    requirements: tuple[str, ...]    # PEP 508 lines, resolved by uv
    config: ProjectConfig = field(default_factory=ProjectConfig)
    not_locked: tuple[str, ...] = ()  # conda packages of environment.yml: not resolvable here

    def lock_path(self, site: str) -> Path:
        """The project's PEP 751 lock for one site, beside the project: pylock.<site>.toml."""
        return self.folder / f"pylock.{site}.toml"


def is_project(text: str) -> bool:
    """Is `text` a folder that envkit reads as a project (rather than a bundled workload)?"""
    path = Path(text)
    if not os.path.isdir(path) or os.path.isfile(path / "workload.yaml"):
        return False
    return any(os.path.isfile(path / name) for name in (*SOURCES, CONFIG))


def _name_of(folder: Path) -> str:
    name = re.sub(r"[^a-z0-9_.-]+", "-", folder.name.lower()).strip("-._")[:48]
    return name or "project"


def load_project(text: str) -> Project:
    """Read a project folder (one-line errors naming the file, line and what was expected)."""
    folder = Path(text).resolve()
    if not folder.is_dir():
        raise EnvkitError(f"project folder {text[:200]!r} does not exist")
    config = ProjectConfig()
    if (folder / CONFIG).is_file():
        doc = load_yaml_file(folder / CONFIG)
        config = validate_doc(ProjectConfig, doc) if doc.data is not None else ProjectConfig()
    found = [name for name in SOURCES if (folder / name).is_file()]
    if len(found) > 1:
        raise EnvkitError(f"the project holds {' and '.join(found)}; keep one requirements file", file=str(folder))
    if not found:
        raise EnvkitError("no requirements: add one of requirements.txt, pyproject.toml, environment.yml",
                          file=str(folder))
    source = found[0]
    path = folder / source
    not_locked: tuple[str, ...] = ()
    if source == "requirements.txt":
        reqs = parse_requirements(_read_text(path), str(path))
    elif source == "pyproject.toml":
        reqs = pyproject_requirements(_read_text(path), str(path), config.groups)
    else:
        reqs, not_locked = environment_requirements(path)
    from envkit.profile.safety import dangerous_env_name

    for name in config.env:
        if dangerous_env_name(name):
            raise EnvkitError(f"{name} changes which code runs in every rank; set it in your own command instead",
                              file=str(folder / CONFIG), key=f"env.{name}")
    for name, dst in config.files.items():
        if ".." in Path(name).parts or not (folder / name).is_file():
            raise EnvkitError("not a file of the project", file=str(folder / CONFIG), key=f"files.{name}")
        if ".." in Path(dst).parts:
            raise EnvkitError("'..' is not allowed in an image path", file=str(folder / CONFIG), key=f"files.{name}")
    return Project(folder=folder, name=config.name or _name_of(folder), source=source, requirements=reqs,
                   config=config, not_locked=not_locked)


def _read_text(path: Path) -> str:
    data = read_regular_file(path, MAX_FILE_BYTES)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise EnvkitError("not UTF-8 text", file=str(path)) from None


def check_requirement(text: str, file: str, line: int | None = None, key: str | None = None) -> str:
    """One PEP 508 requirement, normalised; a one-line error for options, paths and URLs.

    >>> check_requirement("Tabulate >= 0.9", "r.txt")
    'Tabulate>=0.9'
    >>> check_requirement("-e .", "r.txt", 3)
    Traceback (most recent call last):
    envkit.errors.EnvkitError: r.txt:3: '-e .' is a pip option; only package requirements can be locked (name, ...
    """
    try:  # pytest, pip's build tools and most environments carry it; envkit's own dependencies do not (yet)
        from packaging.requirements import InvalidRequirement
        from packaging.requirements import Requirement as Pep508
    except ModuleNotFoundError:
        raise EnvkitError("reading a project's requirements needs the `packaging` package: pip install packaging",
                          file=file) from None

    if text.startswith("-"):
        raise EnvkitError(f"{text[:60]!r} is a pip option; only package requirements can be locked "
                          "(name, version, extras, markers)", file=file, line=line, key=key)
    try:
        req = Pep508(text)
    except InvalidRequirement as exc:
        raise EnvkitError(f"not a requirement ({str(exc).splitlines()[0][:120]})", file=file, line=line,
                          key=key) from None
    if req.url:
        raise EnvkitError(f"{req.name}: a URL or path requirement cannot be locked from the index; name a released "
                          "version", file=file, line=line, key=key)
    return str(req)


def parse_requirements(text: str, file: str) -> tuple[str, ...]:
    """requirements.txt lines (comments and blank lines skipped) -> requirements.

    >>> parse_requirements("# top\\nsix\\n\\ntabulate==0.9.0 # pinned\\n", "r.txt")
    ('six', 'tabulate==0.9.0')
    """
    out = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = re.sub(r"(^|\s)#.*$", "", raw).strip()
        if line:
            out.append(check_requirement(line, file, number))
    if len(out) > MAX_REQUIREMENTS:
        raise EnvkitError(f"more than {MAX_REQUIREMENTS} requirements", file=file)
    return tuple(out)


def pyproject_requirements(text: str, file: str, groups: list[str] | tuple[str, ...] = ()) -> tuple[str, ...]:
    """[project] dependencies and the named optional-dependencies groups of a pyproject.toml.

    >>> pyproject_requirements('[project]\\nname="x"\\ndependencies=["six"]\\n'
    ...                        '[project.optional-dependencies]\\nplot=["tabulate"]\\n', "p.toml", ["plot"])
    ('six', 'tabulate')
    """
    from envkit.lock.tomlread import load_toml

    try:
        data = load_toml(text)
    except ValueError as exc:
        raise EnvkitError(f"not TOML ({exc})", file=file) from None
    project: Any = data.get("project")
    if not isinstance(project, dict):
        raise EnvkitError("no [project] table (PEP 621): its dependencies are what envkit installs", file=file)
    deps = project.get("dependencies", [])
    optional = project.get("optional-dependencies", {})
    if not isinstance(deps, list) or not isinstance(optional, dict):
        raise EnvkitError("expected a list of requirements", file=file, key="project.dependencies")
    out = [check_requirement(str(d), file, key="project.dependencies") for d in deps]
    for group in groups:
        if group not in optional or not isinstance(optional[group], list):
            raise EnvkitError(f"no optional dependency group {group!r} (envkit.yaml groups)", file=file,
                              key="project.optional-dependencies")
        out += [check_requirement(str(d), file, key=f"project.optional-dependencies.{group}") for d in optional[group]]
    if len(out) > MAX_REQUIREMENTS:
        raise EnvkitError(f"more than {MAX_REQUIREMENTS} requirements", file=file)
    return tuple(dict.fromkeys(out))


# conda names that the image already provides: its Python and its pip
_PROVIDED = ("python", "pip")


def environment_requirements(path: Path) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(pip requirements, conda packages that cannot be locked here) of a conda environment.yml.

    Conda channels cannot be reached from this machine, so conda packages (other than python and pip, which
    the site's image provides) are returned as not locked; the pip part is locked and installed.
    """
    doc = load_yaml_file(path)
    data = doc.data
    if not isinstance(data, dict) or not isinstance(data.get("dependencies", []), list):
        raise EnvkitError("expected a mapping with a dependencies list", file=str(path), line=1)
    pip: list[str] = []
    conda: list[str] = []
    for i, item in enumerate(data.get("dependencies", [])):
        line = doc.locate(("dependencies", i))[1]
        if isinstance(item, dict) and set(item) == {"pip"} and isinstance(item["pip"], list):
            for j, req in enumerate(item["pip"]):
                pip.append(check_requirement(str(req), str(path), doc.locate(("dependencies", i, "pip", j))[1]))
        elif isinstance(item, str):
            name = re.split(r"[=<>!~ ]", item.split("::")[-1], maxsplit=1)[0]
            if name not in _PROVIDED:
                conda.append(item)
        else:
            raise EnvkitError("expected a conda package or a `pip:` list", file=str(path), line=line,
                              key=f"dependencies.{i}")
    return tuple(dict.fromkeys(pip)), tuple(conda)


def checked_project(project: Path | None, workload: str | None, layer: str | None) -> Path | None:
    """A PROJECT given to build or export, checked: a project folder, without --workload or --layer."""
    if project is None:
        return None
    if workload or layer:
        raise EnvkitError("a project builds base, site and its own layer: drop --workload and --layer")
    if not is_project(str(project)):
        raise EnvkitError(f"{project}: not a project folder (it needs requirements.txt, pyproject.toml or "
                          "environment.yml)")
    return project


def project_or_none(text: str) -> Project | None:
    """The project at `text` when it is one, else None (a bundled workload name or folder)."""
    return load_project(text) if is_project(text) else None


__all__ = ["CONFIG", "Project", "ProjectConfig", "YamlDoc", "is_project", "load_project", "project_or_none"]

"""Find, read, merge (`extends:`) and validate site profiles.

Example:
    >>> p = load_profile("local")
    >>> p.name, p.container.engine
    ('local', 'charliecloud')
    >>> "summit" in list_sites()
    True
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
from pathlib import Path
from typing import Any

from envkit.errors import EnvkitError
from envkit.profile.model import Profile
from envkit.profile.validate import validate_doc
from envkit.profile.yamlsource import YamlDoc, load_yaml_file
from envkit.resources import profile_dirs

MAX_EXTENDS_DEPTH = 8
# A site name as given on the command line or in `extends:` (the file is NAME.yaml on the search path).
SITE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
_warned: set[str] = set()


def _yaml_files(folder: Path) -> list[Path]:
    """`*.yaml` in one search folder; an unreadable or missing folder holds none."""
    try:
        return sorted(p for p in folder.glob("*.yaml") if SITE_NAME.fullmatch(p.stem))
    except OSError:
        return []


def _exists(path: Path) -> bool:
    try:
        return os.path.lexists(path) and not path.is_dir()
    except (OSError, ValueError):  # a name too long, a NUL byte: no such profile
        return False


def list_sites() -> list[str]:
    """Names of every profile found on the search path, sorted."""
    names: set[str] = set()
    for folder in profile_dirs():
        names.update(p.stem for p in _yaml_files(folder))
    return sorted(names)


def _warn_shadow(site: str, used: Path) -> None:
    """A profile on ENVKIT_PROFILE_PATH with a shipped site's name hides it: say so, naming both files."""
    shipped = profile_dirs()[-1] / f"{site}.yaml"
    if used == shipped or site in _warned or not _exists(shipped):
        return
    _warned.add(site)
    sys.stderr.write(f"warning: {used} shadows the shipped site {site!r} ({shipped}); "
                     "rename it to keep both\n")


def find_profile(site: str) -> Path:
    """Path of a site's YAML: `site` is a name on the search path or a file path."""
    if "\x00" in site:
        raise EnvkitError("site name or path holds a NUL byte", file=site.replace("\x00", "\\0"))
    if site.endswith((".yaml", ".yml")) or "/" in site:
        path = Path(site)
        if not _exists(path):
            is_dir = os.path.isdir(path)
            raise EnvkitError("is a folder, not a profile file" if is_dir else "profile file not found", file=site)
        return path
    if not SITE_NAME.fullmatch(site):
        shown = site if len(site) <= 60 else site[:57] + "..."
        raise EnvkitError(f"site name {shown!r} is not a name (expected letters, digits, '.', '_' or '-', "
                          "at most 128; or a path to a .yaml file)")
    for folder in profile_dirs():
        path = folder / f"{site}.yaml"
        if _exists(path):
            _warn_shadow(site, path)
            return path
    known = ", ".join(list_sites()) or "none"
    raise EnvkitError(f"unknown site {site!r} (known sites: {known})")


def _merge(parent: Any, child: Any) -> Any:
    """Deep-merge mappings; the child's scalars and lists replace the parent's."""
    if isinstance(parent, dict) and isinstance(child, dict):
        out = dict(parent)
        for key, value in child.items():
            out[key] = _merge(parent[key], value) if key in parent else value
        return out
    return child


def _parent_path(child: Path, parent: str) -> Path:
    """Where `extends: parent` of the profile file `child` points: a path is relative to the child's file (not
    the folder one runs in); a name is looked up in the child's own folder first, then on the search path, so a
    profile validates the same wherever the user stands.

    >>> _parent_path(Path("site-profiles/local-mpich.yaml"), "local").name
    'local.yaml'
    """
    if parent.endswith((".yaml", ".yml")) or "/" in parent:
        return find_profile(str(child.parent / parent))
    if SITE_NAME.fullmatch(parent):
        sibling = child.parent / f"{parent}.yaml"
        if _exists(sibling) and os.path.realpath(sibling) != os.path.realpath(child):   # no raise on a link loop
            return sibling
    return find_profile(parent)


def _resolve(path: Path, chain: tuple[str, ...]) -> YamlDoc:
    doc = load_yaml_file(path)
    if not isinstance(doc.data, dict):
        raise EnvkitError(f"expected a mapping at the top, got {type(doc.data).__name__}", file=str(path), line=1)
    parent_name = doc.data.get("extends")
    if parent_name is None:
        return doc
    file, line = doc.locate(("extends",))
    if not isinstance(parent_name, str):
        raise EnvkitError("expected a site name", file=file, key="extends", line=line)
    if parent_name in chain or len(chain) >= MAX_EXTENDS_DEPTH:
        cycle = " -> ".join((*chain, parent_name))
        raise EnvkitError(f"extends forms a cycle or is too deep ({cycle})", file=file, key="extends", line=line)
    try:
        parent_path = _parent_path(path, parent_name)
    except EnvkitError as exc:
        raise EnvkitError(exc.message, file=file, key="extends", line=line) from None
    parent = _resolve(parent_path, (*chain, parent_name))
    merged = _merge(parent.data, doc.data)
    merged.pop("extends", None)
    merged["extends"] = parent_path.stem   # the parent's name, also when `extends:` gave its path
    return YamlDoc(data=merged, lines={**parent.lines, **doc.lines}, file=doc.file)


def load_profile_doc(site: str) -> tuple[Profile, YamlDoc]:
    """Load and validate a profile, returning the model and the merged YAML it came from."""
    path = find_profile(site)
    doc = _resolve(path, (path.stem,))
    profile = validate_doc(Profile, doc)
    if profile.name != path.stem:
        file, line = doc.locate(("name",))
        raise EnvkitError(f"name {profile.name!r} must match the file name {path.stem!r}",
                          file=file, key="name", line=line)
    _check_base(profile, doc)
    return profile, doc


def _check_base(profile: Profile, doc: YamlDoc) -> None:
    """The check render, run, submit and docs make first: the profile's base exists and has an image for its arch
    and CUDA release that its driver runs (envkit.recipe.bases.choose_platform). Made here, so that a profile that
    validates renders; reported at the profile's key (a broken base file keeps its own file and line)."""
    from envkit.recipe.bases import load_base

    cuda = profile.cuda
    try:
        load_base(profile.base).choose_platform(profile.cpu.arch, cuda.toolkit if cuda else None,
                                                cuda.driver if cuda else None,
                                                rocm=profile.rocm.version if profile.rocm else None)
    except EnvkitError as exc:
        if exc.file and not exc.message.startswith("unknown base"):
            raise
        key = ("base",) if exc.message.startswith("unknown base") else ("cuda", "toolkit") if cuda else \
            ("rocm", "version") if profile.rocm else ("cpu", "arch")
        file, line = doc.locate(key)
        raise EnvkitError(exc.message, file=file, key=".".join(key), line=line) from None


def load_profile(site: str) -> Profile:
    """Load and validate one site profile by name or path."""
    return load_profile_doc(site)[0]


def profile_hash(profile: Profile) -> str:
    """A stable content hash of the validated profile (sorted JSON, sha256, 16 hex chars)."""
    blob = json.dumps(profile.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()[:16]

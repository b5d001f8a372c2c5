"""Read the known issues: every `*.yaml` under known-issues/ (an admin's own folder first), strictly.

Each file goes through the same limited YAML reader as profiles (size, depth, no anchors or tags), and
the same one-line errors (`file:line: key: what was expected`). Two files with one id are an error.

Example:
    >>> issues = load_catalog()
    >>> len(issues) >= 30, issues[0].id < issues[-1].id
    (True, True)
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from envkit.errors import EnvkitError
from envkit.knownissues.model import KnownIssue
from envkit.profile.validate import validate_doc
from envkit.profile.yamlsource import load_yaml_file
from envkit.resources import known_issue_dirs

MAX_ISSUES = 500


def load_issue(path: Path) -> KnownIssue:
    """One file; its `id` must be its file name."""
    issue = validate_doc(KnownIssue, load_yaml_file(path))
    if issue.id != path.stem:
        raise EnvkitError(f"id {issue.id!r} must match the file name {path.stem!r}", file=str(path), key="id")
    return issue


def issue_files() -> list[Path]:
    """The YAML files, an admin's copy of an id hiding the shipped one."""
    seen: dict[str, Path] = {}
    for folder in known_issue_dirs():
        for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
            seen.setdefault(path.stem, path)
    if len(seen) > MAX_ISSUES:
        raise EnvkitError(f"more than {MAX_ISSUES} known issues in {', '.join(map(str, known_issue_dirs()))}")
    return [seen[k] for k in sorted(seen)]


@lru_cache(maxsize=4)
def _load(files: tuple[Path, ...]) -> tuple[KnownIssue, ...]:
    return tuple(load_issue(p) for p in files)


def load_catalog() -> list[KnownIssue]:
    """Every known issue, sorted by id."""
    return list(_load(tuple(issue_files())))

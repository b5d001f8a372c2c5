"""Find known issues in a log: each issue's pattern searched line by line, first matching line kept.

Example:
    >>> log = "step 1\\nRuntimeError: No CUDA GPUs are available\\n"
    >>> [(m.issue.id, m.line_no) for m in scan(log)]
    [('cuda-no-device', 2)]
"""

from __future__ import annotations

from dataclasses import dataclass

from envkit.knownissues.catalog import load_catalog
from envkit.knownissues.model import KnownIssue

MAX_LINE = 4000  # a longer line is searched in its first MAX_LINE characters (progress bars, binary junk)


@dataclass(frozen=True)
class Match:
    """An issue found in a log: the first line it matched (1-based) and that line's text."""

    issue: KnownIssue
    line_no: int
    line: str


def scan(text: str, issues: list[KnownIssue] | None = None) -> list[Match]:
    """Every issue whose pattern matches a line of `text`, in the order they first appear."""
    catalog = load_catalog() if issues is None else issues
    found: dict[str, Match] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        head = line[:MAX_LINE]
        for issue in catalog:
            if issue.id not in found and issue.regex.search(head):
                found[issue.id] = Match(issue, number, head.strip())
    return sorted(found.values(), key=lambda m: (m.line_no, m.issue.id))


def find_issues(text: str) -> list[KnownIssue]:
    """The issues found in `text` (see scan)."""
    return [m.issue for m in scan(text)]

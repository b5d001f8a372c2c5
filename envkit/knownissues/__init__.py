"""Known issues: the literal errors users paste into tickets, as data (`known-issues/*.yaml`), and a matcher.

Example:
    >>> from envkit.knownissues import find_issues
    >>> [i.id for i in find_issues("WARNING: Could not find any nv files on this host!")]
    ['nv-files-missing']
"""

from envkit.knownissues.catalog import load_catalog, load_issue
from envkit.knownissues.match import Match, find_issues, scan
from envkit.knownissues.model import Category, Fixes, KnownIssue

__all__ = ["Category", "Fixes", "KnownIssue", "Match", "find_issues", "load_catalog", "load_issue", "scan"]

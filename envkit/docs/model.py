"""The doc model: what a help-desk page says about one site, before any format.

A page is a list of sections; a section holds facts (label, value, source),
commands (a shell line someone can paste, with its source), notes and
problems (symptom, cause, fix). Every item carries the `source` note it came
from, so a reader can tell a published fact from one marked [check].

Example:
    >>> f = Fact("CPU architecture", "ppc64le", "profile cpu: [paper]")
    >>> s = DocSection("system", "System architecture", facts=(f,))
    >>> s.facts[0].value, s.anchor
    ('ppc64le', 'system')
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Fact:
    """One fact about the site and where it came from."""

    label: str
    value: str
    source: str


@dataclass(frozen=True)
class DocCommand:
    """A command line to paste (already shell-quoted) and where it came from."""

    label: str
    line: str
    source: str
    note: str = ""


@dataclass(frozen=True)
class Problem:
    """A troubleshooting entry: what the user sees, why, and what to do."""

    title: str
    symptom: str
    cause: str
    fix: str
    source: str
    commands: tuple[DocCommand, ...] = ()


@dataclass(frozen=True)
class IssueEntry:
    """A known issue as a page shows it: the literal message, cause, the fix for this site, what to send."""

    id: str
    title: str
    message: str
    cause: str
    fix: str
    site_fixes: tuple[str, ...]
    ask: tuple[str, ...]
    source: str


@dataclass(frozen=True)
class DocSection:
    """One titled part of a page; any of its lists may be empty."""

    anchor: str
    title: str
    intro: str = ""
    facts: tuple[Fact, ...] = ()
    commands: tuple[DocCommand, ...] = ()
    notes: tuple[str, ...] = ()
    problems: tuple[Problem, ...] = ()
    issues: tuple[IssueEntry, ...] = ()
    table_head: tuple[str, ...] = ()
    table_rows: tuple[tuple[str, ...], ...] = ()
    table_source: str = ""


@dataclass(frozen=True)
class SiteDoc:
    """The whole page for one site."""

    site: str
    title: str
    center: str
    status: str
    summary: str
    profile_hash: str
    sections: tuple[DocSection, ...] = field(default=())
    warnings: tuple[str, ...] = ()

    def text(self) -> str:
        """Every fact, command and note as plain text (for tests and search)."""
        parts = [self.title, self.summary, *self.warnings]
        for section in self.sections:
            parts += [section.title, section.intro, *section.notes]
            parts += [f"{f.label} {f.value} {f.source}" for f in section.facts]
            parts += [f"{c.label} {c.line} {c.note} {c.source}" for c in section.commands]
            parts += [" ".join(row) for row in section.table_rows]
            for i in section.issues:
                parts += [i.title, i.message, i.cause, i.fix, *i.site_fixes, *i.ask, i.source]
            for p in section.problems:
                parts += [p.title, p.symptom, p.cause, p.fix, p.source]
                parts += [f"{c.label} {c.line} {c.source}" for c in p.commands]
        return "\n".join(x for x in parts if x)

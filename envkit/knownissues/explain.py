"""`envkit explain`: a job log in, every known issue in it out, each with the fix for the log's site.

The site comes from `--site`, else from the run folder the log sits in (`job.json` or `metrics.json`
written by `envkit submit` / `envkit run`), else none (then every site's variant of a fix is shown).

Example:
    >>> text = "RuntimeError: No CUDA GPUs are available\\n"
    >>> print(explain_text(text, site=None).splitlines()[0])
    1 known issue in the log:
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from envkit.errors import EnvkitError
from envkit.knownissues.match import Match, scan
from envkit.profile.yamlsource import read_regular_file

MAX_LOG_BYTES = 64 * 1024 * 1024   # a job log larger than this is read from its last MAX_LOG_BYTES
RUN_FILES = ("job.json", "metrics.json")


@dataclass(frozen=True)
class SiteKeys:
    """What a fix can depend on: the site's name, engine, launcher and scheduler."""

    site: str | None = None
    engine: str | None = None
    launcher: str | None = None
    scheduler: str | None = None

    @classmethod
    def of(cls, site: str | None) -> SiteKeys:
        """Load the site's profile (an unknown site is an EnvkitError); None gives no keys."""
        if site is None:
            return cls()
        from envkit.profile import load_profile

        p = load_profile(site)
        return cls(site=p.name, engine=p.container.engine, launcher=p.launcher.kind, scheduler=p.scheduler.kind)


def read_log(source: str) -> tuple[str, Path | None]:
    """The log's text and its path ("-" reads stdin); a run folder means its job.log. One-line errors."""
    if source == "-":
        data = sys.stdin.buffer.read(MAX_LOG_BYTES + 1)[-MAX_LOG_BYTES:]
        return data.decode("utf-8", errors="replace"), None
    path = Path(source)
    if path.is_dir():
        path = path / "job.log"
    if not path.is_file():
        raise EnvkitError("no such log file (give a job log, a run folder or - for stdin)", file=source)
    try:
        size = path.stat().st_size
        if size > MAX_LOG_BYTES:
            with path.open("rb") as fh:
                fh.seek(size - MAX_LOG_BYTES)
                data = fh.read()
        else:
            data = read_regular_file(path, limit=MAX_LOG_BYTES)
    except OSError as exc:
        raise EnvkitError(f"cannot read: {exc.strerror or exc}", file=source) from None
    return data.decode("utf-8", errors="replace"), path


def site_of_run(log: Path | None) -> str | None:
    """The site recorded beside a log in a results folder (job.json, else metrics.json), None when none."""
    if log is None:
        return None
    for name in RUN_FILES:
        try:
            data: Any = json.loads((log.parent / name).read_text())
        except (OSError, ValueError):
            continue
        site = data.get("site") or (data.get("summary") or {}).get("site") if isinstance(data, dict) else None
        if isinstance(site, str) and site:
            return site
    return None


def describe(match: Match, keys: SiteKeys) -> list[str]:
    """The lines printed for one match."""
    i = match.issue
    lines = [f"[{i.id}] {i.title} ({i.category})",
             f"  seen at line {match.line_no}: {match.line[:200]}",
             f"  cause: {i.cause}",
             f"  fix: {i.fixes.default}"]
    specific = i.fix_for(site=keys.site, engine=keys.engine, launcher=keys.launcher, scheduler=keys.scheduler) \
        if keys.site else i.variants()
    lines += [f"  fix ({where}): {text}" for where, text in specific]
    ask = "; ".join(i.ask)
    lines.append("  send with the ticket: " + (ask.replace("--site SITE", f"--site {keys.site}") if keys.site else ask))
    lines.append(f"  source: {i.source}")
    return lines


def explain_text(text: str, site: str | None) -> str:
    """The whole report for a log's text."""
    keys = SiteKeys.of(site)
    matches = scan(text)
    if not matches:
        return ("No known issue found in the log. Send it with `envkit doctor --site SITE --bundle ticket.tar.gz` "
                "to the help desk.\n")
    head = f"{len(matches)} known issue{'s' if len(matches) > 1 else ''} in the log" + \
        (f" (fixes for site {keys.site}):" if keys.site else ":")
    body = [head]
    for m in matches:
        body += ["", *describe(m, keys)]
    return "\n".join(body) + "\n"


def as_json(text: str, site: str | None) -> dict[str, Any]:
    """JSON form: the site and, per match, the issue, the line, the cause and the fixes that apply."""
    keys = SiteKeys.of(site)
    return {"site": keys.site, "issues": [
        {"id": m.issue.id, "title": m.issue.title, "category": m.issue.category, "line_no": m.line_no,
         "line": m.line[:500], "cause": m.issue.cause, "fix": m.issue.fixes.default,
         "site_fixes": dict(m.issue.fix_for(site=keys.site, engine=keys.engine, launcher=keys.launcher,
                                            scheduler=keys.scheduler) if keys.site else m.issue.variants()),
         "ask": list(m.issue.ask), "source": m.issue.source} for m in scan(text)]}

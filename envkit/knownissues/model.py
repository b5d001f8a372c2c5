"""The schema of one known issue (one YAML file under known-issues/): what the user sees, why, the fix.

A known issue is someone's input like a profile (admins add their own under $ENVKIT_HOME/known-issues),
so the model is strict: unknown keys are errors, every text is one line and bounded, the pattern must
compile and must match every literal message it lists.

Example:
    >>> issue = KnownIssue(id="x-y", title="T", category="gpu", messages=["boom at 3"], pattern=r"boom at \\d",
    ...                    cause="c", fixes=Fixes(default="f"), ask=["the log"], source="https://example.org/x")
    >>> issue.regex.search("a boom at 7 b") is not None
    True
    >>> issue.fix_for(engine="apptainer"), issue.fixes.default
    ([], 'f')
"""

from __future__ import annotations

import re
from functools import cached_property
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

Category = Literal["engine", "gpu", "mpi", "nccl", "torch", "data", "scheduler", "envkit"]
CATEGORY_TITLES: dict[str, str] = {
    "engine": "Container engine", "gpu": "GPUs and CUDA", "mpi": "MPI and PMI", "nccl": "NCCL",
    "torch": "torch.distributed", "data": "Data loaders", "scheduler": "Scheduler and job steps",
    "envkit": "envkit's own errors",
}

EXAMPLE = {"id": "x-y", "title": "T", "category": "gpu", "messages": ["boom"], "pattern": "boom", "cause": "c",
           "fixes": {"default": "f"}, "ask": ["the log"], "source": "https://example.org/x"}
IssueId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{1,63}$")]
Line = Annotated[str, StringConstraints(pattern=r"^[^\x00-\x1f\x7f]+$", min_length=1, max_length=1000)]
Key = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9._-]{0,63}$")]
Url = Annotated[str, StringConstraints(pattern=r"^https://[^\s\x00-\x1f]+$", max_length=400)]
# A public page, or for envkit's own errors the module that raises them (envkit:PATH).
Source = Annotated[str, StringConstraints(pattern=r"^(?:https://[^\s\x00-\x1f]+|envkit:[A-Za-z0-9_./-]+)$",
                                          max_length=400)]
MAX_PATTERN = 400


class Fixes(BaseModel):
    """The fix: `default` everywhere, plus lines that apply only with an engine, launcher, scheduler or site."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    default: Line
    engine: dict[Key, Line] = Field(default_factory=dict)
    launcher: dict[Key, Line] = Field(default_factory=dict)
    scheduler: dict[Key, Line] = Field(default_factory=dict)
    site: dict[Key, Line] = Field(default_factory=dict)


WhenKey = Literal["scheduler", "launcher", "engine", "mpi", "transport", "gpu"]


class KnownIssue(BaseModel):
    """One known issue: literal messages, the pattern that finds them in a log, cause, fixes, what to ask."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: IssueId
    title: Line
    category: Category
    messages: list[Line] = Field(min_length=1, max_length=8)
    pattern: Annotated[str, StringConstraints(min_length=4, max_length=MAX_PATTERN)]
    cause: Line
    fixes: Fixes
    ask: list[Line] = Field(min_length=1, max_length=8)
    source: Source
    also: list[Url] = Field(default_factory=list, max_length=4)
    when: dict[WhenKey, list[Key]] = Field(default_factory=dict)   # sites a page lists it for (all keys must match)

    @model_validator(mode="after")
    def _pattern_matches_messages(self) -> KnownIssue:
        try:
            regex = re.compile(self.pattern)
        except re.error as exc:
            raise ValueError(f"pattern does not compile: {exc}") from None
        for message in self.messages:
            if not regex.search(message):
                raise ValueError(f"pattern does not match its own message {message[:80]!r}")
        return self

    @cached_property
    def regex(self) -> re.Pattern[str]:
        """The compiled pattern (searched line by line in a log)."""
        return re.compile(self.pattern)

    def fix_for(self, *, site: str | None = None, engine: str | None = None, launcher: str | None = None,
                scheduler: str | None = None) -> list[tuple[str, str]]:
        """The (where, fix) lines that apply to this site's name, engine, launcher and scheduler, most specific
        first (the default fix is always shown beside them)."""
        out: list[tuple[str, str]] = []
        for kind, key in (("site", site), ("launcher", launcher), ("engine", engine), ("scheduler", scheduler)):
            table: dict[str, str] = getattr(self.fixes, kind)
            if key is not None and key in table:
                out.append((f"{kind} {key}", table[key]))
        return out

    def applies(self, facts: dict[str, str]) -> bool:
        """Does a site with these facts (scheduler, launcher, engine, mpi, transport, gpu) meet `when`?

        >>> i = KnownIssue.model_validate({**EXAMPLE, "when": {"launcher": ["jsrun"]}})
        >>> i.applies({"launcher": "jsrun"}), i.applies({"launcher": "srun"})
        (True, False)
        """
        return all(facts.get(key) in values for key, values in self.when.items())

    def variants(self) -> list[tuple[str, str]]:
        """Every (where, fix) line, for a reader who named no site."""
        return [(f"{kind} {key}", text) for kind in ("site", "launcher", "engine", "scheduler")
                for key, text in getattr(self.fixes, kind).items()]

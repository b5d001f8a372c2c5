"""Helpers for the core tests: shipped sites, fixture folders, a definition section parser (the CLI runners
are envkit_cli's, re-exported here)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
BAD_PROFILES = HERE / "bad_profiles"
DATA = HERE / "data"

SHIPPED_SITES = ("hal", "bridges-ai", "summit", "local", "delta", "bridges-2", "local-slurm", "local-mpich",
                 "perlmutter", "polaris", "frontier", "alps", "derecho", "lumi", "aurora", "deltaai", "lonestar6",
                 "vista", "frontera", "local-bind",
                 "local-cluster", "local-cluster-mpich")
PPC64LE_SITES = ("hal", "summit")
AARCH64_SITES = ("alps", "vista", "deltaai")   # Grace-Hopper (GH200) systems


_SECTION = re.compile(r"^%([A-Za-z]+)\s*$")


@dataclass
class Definition:
    """A Singularity/Apptainer definition split into its header and %sections."""

    header: dict[str, str]
    sections: dict[str, str]
    order: list[str]


def parse_definition(text: str) -> Definition:
    """Split a definition on `%section` lines; the header is `Key: value` lines before the first section.

    Lines inside a section are kept verbatim (a heredoc in %post could hold anything but a line
    that is exactly `%name`, which this parser would treat as a new section, as Apptainer does).
    """
    header: dict[str, str] = {}
    sections: dict[str, list[str]] = {}
    order: list[str] = []
    current: list[str] | None = None
    for line in text.splitlines(keepends=True):
        match = _SECTION.match(line.rstrip("\n"))
        if match:
            name = match.group(1)
            assert name not in sections, f"section %{name} appears twice"
            current = sections.setdefault(name, [])
            order.append(name)
            continue
        if current is not None:
            current.append(line)
            continue
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        key, sep, value = stripped.partition(":")
        assert sep, f"header line is not `Key: value`: {line!r}"
        assert key not in header, f"header key {key} appears twice"
        header[key.strip()] = value.strip()
    return Definition(header, {k: "".join(v) for k, v in sections.items()}, order)


def section_lines(body: str) -> list[str]:
    """Non-empty, stripped lines of a section."""
    return [line.strip() for line in body.splitlines() if line.strip()]


def labels_of(defn: Definition) -> dict[str, str]:
    """%labels as a mapping (first word is the key, the rest the value)."""
    out: dict[str, str] = {}
    for line in section_lines(defn.sections.get("labels", "")):
        key, _, value = line.partition(" ")
        out[key] = value
    return out

"""Host names from a scheduler's node list, without importing torch (the CLI and the runner share it).

Example:
    >>> first_host("gpu[003-005,9],cpu1")
    'gpu003'
"""

from __future__ import annotations

import re

from envkit.errors import EnvkitError


class NodeListError(EnvkitError, ValueError):
    """A node list that cannot be read."""


def first_host(nodelist: str) -> str:
    """First host of a Slurm node list: 'gpu[003-005,9],cpu1' -> 'gpu003'.

    >>> first_host("hal[07-09],hal12")
    'hal07'
    """
    m = re.match(r"^([^,\[]+)(?:\[([^\]]+)\])?", nodelist.strip())
    if not m:
        raise NodeListError(f"cannot read the Slurm node list {nodelist!r}")
    prefix, ranges = m.group(1), m.group(2)
    if not ranges:
        return prefix
    return prefix + ranges.split(",")[0].split("-")[0]

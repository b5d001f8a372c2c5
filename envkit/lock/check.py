"""Checks against a lock: a build log's hash failure named in one line, an image's packages against its lock.

Example:
    >>> log = ("ERROR: THESE PACKAGES DO NOT MATCH THE HASHES FROM THE REQUIREMENTS FILE. If you have...\\n"
    ...        "    tqdm==4.70.1 from https://files.example/tqdm-4.70.1-py3-none-any.whl:\\n"
    ...        "        Expected sha256 00\\n             Got        c2\\n")
    >>> hash_failure(log)
    'tqdm 4.70.1: the downloaded file does not match the sha256 in the lock (expected 00, got c2)'
    >>> lock_drift({"tqdm": "4.70.1", "numpy": "2.4.6"}, {"tqdm": "4.70.1", "numpy": "2.5.0", "pip": "26.3"})
    ['numpy: locked 2.4.6, image has 2.5.0']
"""

from __future__ import annotations

import re

_NEEDLE = "DO NOT MATCH THE HASHES"


def hash_failure(log: str) -> str | None:
    """The first package pip refused for a hash mismatch, as one line; None when the log shows none."""
    at = log.rfind(_NEEDLE)
    if at < 0:
        return None
    tail = log[at:]
    match = re.search(r"^\s+([A-Za-z0-9._-]+)==(\S+) from \S+", tail, re.M)
    if not match:
        return "a downloaded file does not match the sha256 in the lock"
    expected = re.search(r"Expected sha256 (\S+)", tail)
    got = re.search(r"Got\s+(\S+)", tail)
    detail = f" (expected {expected.group(1)}, got {got.group(1)})" if expected and got else ""
    return (f"{match.group(1)} {match.group(2).rstrip(':')}: the downloaded file does not match the sha256 in the "
            f"lock{detail}")


def lock_drift(locked: dict[str, str], image: dict[str, str]) -> list[str]:
    """Locked packages the image lacks or holds at another version (names normalised), one line each."""
    def norm(name: str) -> str:
        return name.lower().replace("_", "-").replace(".", "-")

    have = {norm(n): v for n, v in image.items()}
    out = []
    for name, version in sorted(locked.items()):
        got = have.get(norm(name))
        if got is None:
            out.append(f"{name}: locked {version}, missing from the image")
        elif got != version:
            out.append(f"{name}: locked {version}, image has {got}")
    return out

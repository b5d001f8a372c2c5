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
from pathlib import Path
from typing import Any

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


_REQUIREMENT = re.compile(r"^([A-Za-z0-9._-]+)==(\S+)((?:\s+--hash=sha256:[0-9a-f]{64})+)\s*$", re.M)


def recipe_hashes(text: str) -> dict[str, tuple[str, frozenset[str]]]:
    """{normalised name: (version, sha256 set)} from the hash-checking requirement lines of a rendered recipe.

    >>> recipe_hashes("tqdm==4.70.1 --hash=sha256:" + "a" * 64 + "\\n")["tqdm"][0]
    '4.70.1'
    """
    out = {}
    for m in _REQUIREMENT.finditer(text):
        name = m.group(1).lower().replace("_", "-").replace(".", "-")
        out[name] = (m.group(2), frozenset(re.findall(r"sha256:([0-9a-f]{64})", m.group(3))))
    return out


def hash_mismatches(lock: Any, rendered: Path) -> list[str]:
    """Every locked package whose version or sha256 set differs from what the committed rendered recipe of its
    layer (RENDERED/base.def, RENDERED/workload-NAME.def) installs, one line each: a hand-edited hash in a
    pylock file is found here. Layers without a rendered recipe with hash lines are not compared."""
    problems = []
    for name, layer in sorted(lock.layers.items()):
        recipe = rendered / f"{name}.def"
        if not layer.packages or not recipe.is_file():
            continue
        have = recipe_hashes(recipe.read_text(errors="replace"))
        if not have:
            continue
        for pkg_name, pkg in sorted(layer.packages.items()):
            norm = pkg_name.lower().replace("_", "-").replace(".", "-")
            if norm not in have:
                continue   # installed from its sdist in a later step, or envkit itself
            version, hashes = have[norm]
            if version != pkg.version:
                problems.append(f"{name}: {pkg_name} locked {pkg.version}, {recipe.name} installs {version}")
            elif frozenset(pkg.hashes) != hashes:
                changed = sorted(set(pkg.hashes) ^ hashes)
                problems.append(f"{name}: {pkg_name} {pkg.version}: sha256 in {layer_file(layer)} differs from "
                                f"{recipe.name} ({', '.join(h[:12] for h in changed[:2])})")
    return problems


def layer_file(layer: Any) -> str:
    """The pylock file name of a layer."""
    return f"pylock.{layer.layer}.toml"

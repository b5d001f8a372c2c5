"""Print .ci/run's phase table from the times file (ENVKIT_CI_TIMES): set-up, then the tests by group.

Lines of the file: `{"phase": NAME, "seconds": S}` (set-up and the whole test command, written by .ci/run and
scripts/setup.sh) and one per test phase (setup/call/teardown, written by tests/conftest.py). Each test group is
the sum of its tests' times: the fast set (not slow), then the slow tests by folder, then by marker (a test
with two markers is in both of those rows), then each xdist group (one worker runs a group's tests one after
another, so the longest group bounds the run).

Example:
    python scripts/ci_times.py /tmp/ci-times.jsonl
"""

from __future__ import annotations

import json
import re
import sys
from collections import defaultdict
from pathlib import Path


def table(lines: list[dict]) -> str:
    """The Markdown table."""
    phases = [(x["phase"], x["seconds"]) for x in lines if "phase" in x]
    tests: dict[str, dict] = {}
    for x in lines:
        if "test" in x:
            t = tests.setdefault(x["test"], {"seconds": 0.0, "markers": x["markers"], "failed": False})
            t["seconds"] += x["seconds"]
            t["failed"] |= x["outcome"] == "failed"
    groups: dict[str, list[float]] = defaultdict(list)
    for nodeid, t in tests.items():
        if "slow" not in t["markers"]:
            groups["fast set (-m 'not slow')"].append(t["seconds"])
            continue
        folder = "/".join(nodeid.split("::")[0].split("/")[:2])
        groups[f"slow: {folder}"].append(t["seconds"])
        for marker in t["markers"]:
            if marker != "slow":
                groups[f"slow, marker {marker}"].append(t["seconds"])
    for nodeid, t in tests.items():   # xdist's groups (`-n auto --dist loadgroup`): each runs on one worker in turn
        group = re.search(r"@([\w-]+)$", nodeid)
        if group:
            groups[f"one worker: group {group[1]}"].append(t["seconds"])
    rows = ["| phase | tests | seconds | minutes |", "|---|---|---|---|"]
    rows += [f"| {name} | | {s:.0f} | {s / 60:.1f} |" for name, s in phases]
    for name in sorted(groups, key=lambda n: (not n.startswith("fast"), "marker" in n, "group" in n, n)):
        total = sum(groups[name])
        rows.append(f"| {name} | {len(groups[name])} | {total:.0f} | {total / 60:.1f} |")
    slowest = sorted(tests.items(), key=lambda kv: -kv[1]["seconds"])[:8]
    rows += ["", "slowest tests:"] + [f"  {t['seconds']:7.0f} s  {nodeid}" for nodeid, t in slowest]
    return "\n".join(rows)


def main(argv: list[str]) -> int:
    path = Path(argv[1]) if len(argv) > 1 else None
    if path is None or not path.is_file():
        print(f"ci: no times file {path}", file=sys.stderr)
        return 1
    lines, torn = [], 0
    for line in filter(str.strip, path.read_text().splitlines()):
        try:
            lines.append(json.loads(line))
        except ValueError:   # a run killed mid-write leaves its last line cut
            torn += 1
    print(table(lines))
    if torn:
        print(f"ci: {torn} line(s) of {path} could not be read and were left out")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))

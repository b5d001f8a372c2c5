"""Size and time of each squashfs compression an export could use, on one tree (an image, or part of one).

For each choice the script runs the same mksquashfs command envkit's export runs (`envkit.export.squash`:
reproducible, all files root's, fixed times) with that compression, and prints wall seconds, CPU seconds
(user+sys of mksquashfs, which do not grow when other work shares the machine), the size, and the ratio to the
tree. Each choice is what `envkit export --compression NAME` passes to mksquashfs.

Example:
    .venv/bin/python bench/squashfs_compression.py /var/tmp/envkit-test-store/charliecloud/storage/img/envkit-local
    .venv/bin/python bench/squashfs_compression.py TREE --only gzip,zstd --processors 2 --json out.json
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import tempfile
import time
from pathlib import Path

from envkit.export.squash import COMPRESSIONS, squashfs_argv


def tree_bytes(tree: Path) -> int:
    """Bytes of the regular files under `tree` (hard links counted once)."""
    seen: set[tuple[int, int]] = set()
    total = 0
    for root, _dirs, files in os.walk(tree):
        for name in files:
            st = os.lstat(os.path.join(root, name))
            if (st.st_dev, st.st_ino) not in seen and not os.path.islink(os.path.join(root, name)):
                seen.add((st.st_dev, st.st_ino))
                total += st.st_size
    return total


def measure(tree: Path, name: str, processors: int | None, work: Path) -> dict:
    out = work / f"{name}.sqfs"
    argv = squashfs_argv(tree, out, 1795942800, None, processors, compression=name, progress=False)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    size = out.stat().st_size
    out.unlink()
    return {"compression": name, "argv": " ".join(argv[3:]), "wall_s": round(wall, 1),
            "cpu_s": round(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, 1), "bytes": size}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tree", type=Path)
    parser.add_argument("--only", default=",".join(COMPRESSIONS), help="comma-separated choices")
    parser.add_argument("--processors", type=int, default=None, help="mksquashfs threads (default: all cores)")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    total = tree_bytes(args.tree)
    rows = []
    with tempfile.TemporaryDirectory(prefix="envkit-sqfs-bench-", dir="/var/tmp") as work:
        for name in args.only.split(","):
            load = os.getloadavg()[0]
            row = measure(args.tree, name, args.processors, Path(work))
            row["load_avg_start"] = load
            row["ratio"] = round(row["bytes"] / total, 3)
            rows.append(row)
            print(f"{name:10} {row['wall_s']:8.1f} s wall {row['cpu_s']:8.1f} s CPU {row['bytes'] / 1e6:9.1f} MB "
                  f"({row['ratio']:.3f} of {total / 1e6:.0f} MB) load {load:.1f}", flush=True)
    if args.json:
        args.json.write_text(json.dumps({"tree": str(args.tree), "tree_bytes": total, "cpus": os.cpu_count(),
                                         "rows": rows}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

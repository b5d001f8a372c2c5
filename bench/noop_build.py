"""How long does `envkit build` take when nothing changed? (It must not call the engine: < 1-2 s.)

Runs the real command line (a new process each time, as a user would) and the in-process
plan (profile load + render + keys + record check), a few times each, and prints JSON.

Example:
    .venv/bin/python bench/noop_build.py --site local --store /var/tmp/envkit-test-store
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", default="local")
    parser.add_argument("--store", type=Path, default=None, help="image store (default: envkit's default)")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    from envkit.pipeline.build import BuildOptions, plan_build

    opts = BuildOptions(site=args.site, store=args.store)
    plan = plan_build(opts)
    stale = [lp.layer.tag for lp in plan.layers if lp.needs_build]
    if stale:
        print(json.dumps({"error": f"not a no-op: {', '.join(stale)} need a build; run envkit build first"}))
        return 1
    in_process = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        plan_build(opts)
        in_process.append(time.perf_counter() - started)
    argv = [sys.executable, "-m", "envkit.cli", "build", "--site", args.site, "--quiet"]
    if args.store:
        argv += ["--store", str(args.store)]
    cli = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        subprocess.run(argv, check=True)
        cli.append(time.perf_counter() - started)
    print(json.dumps({
        "site": args.site, "engine": plan.engine.name, "layers": [lp.layer.tag for lp in plan.layers],
        "cli_noop_s": {"median": round(statistics.median(cli), 3), "max": round(max(cli), 3)},
        "in_process_noop_s": {"median": round(statistics.median(in_process), 3), "max": round(max(in_process), 3)},
    }, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

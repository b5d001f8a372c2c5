"""envkit's own speed: `envkit --help` start-up, `envkit render` of one site and of every shipped site.

Each figure is the median of repeated runs of the real command line in a new process (as a user
would run it), plus whether torch was imported (it must not be). Prints JSON.

Example:
    .venv/bin/python bench/cli_startup.py --repeat 11
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time

ENVKIT = [sys.executable, "-m", "envkit.cli"]
NO_TORCH = ("import sys, runpy; sys.argv = ['envkit', *sys.argv[1:]]\n"
            "try:\n    runpy.run_module('envkit.cli', run_name='__main__')\nexcept SystemExit:\n    pass\n"
            "sys.stderr.write('TORCH=' + str('torch' in sys.modules) + '\\n')")


def timed(argv: list[str], repeat: int) -> dict[str, float]:
    """Median, min and max wall seconds of `argv` over `repeat` runs (each must exit 0)."""
    seconds = []
    for _ in range(repeat):
        started = time.perf_counter()
        subprocess.run(argv, check=True, capture_output=True)
        seconds.append(time.perf_counter() - started)
    return {"median_s": round(statistics.median(seconds), 4), "min_s": round(min(seconds), 4),
            "max_s": round(max(seconds), 4), "runs": repeat}


def imports_torch(*args: str) -> bool:
    """Whether `envkit ARGS` imports torch."""
    proc = subprocess.run([sys.executable, "-c", NO_TORCH, *args], capture_output=True, text=True)
    return "TORCH=True" in proc.stderr


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=11)
    args = parser.parse_args()

    from envkit.profile import list_sites

    sites = list_sites()
    render_all = [sys.executable, "-c", "import sys\nfrom envkit.recipe.site_files import render_files\n"
                  "for s in sys.argv[1:]:\n    render_files(s, 'site', None, 'singularity')", *sites]
    figures = {
        "envkit --help": {**timed([*ENVKIT, "--help"], args.repeat), "imports_torch": imports_torch("--help")},
        "envkit render --site hal": {**timed([*ENVKIT, "render", "--site", "hal"], args.repeat),
                                     "imports_torch": imports_torch("render", "--site", "hal")},
        f"render all {len(sites)} sites (one process)": timed(render_all, args.repeat),
        "python -c pass (interpreter floor)": timed([sys.executable, "-c", "pass"], args.repeat),
    }
    print(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

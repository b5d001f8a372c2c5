"""Time README's first command phase by phase, from a cold (or given) store, and print a table.

README's first command is `envkit run --site local workloads/aigw --np 2 --json -- --preset smoke --steps 20`
on a machine where nothing was built. This script builds the same layers in-process with a reporter that
stamps every engine line, splits the build into phases by the lines that start them (debootstrap, rootfs
import, each `envkit-step:` line the install scripts print, the layer's test, the swap), then starts the run
as a user would and times it to its first training line (`step N/M`) and to its end.

Each row gives wall seconds; each layer also gives the CPU seconds (user+sys) of its child processes,
which do not grow when other work shares the machine, and the load average when it started. The machine
may be shared: compare CPU seconds, or wall seconds taken at a similar load.

Example:
    .venv/bin/python bench/first_run.py --store /var/tmp/speed-store --json first-run.json
    .venv/bin/python bench/first_run.py --site local-mpich --store /var/tmp/speed-store --no-run
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from envkit.pipeline.progress import Reporter

STEP = re.compile(r"envkit-step: (?:\d+/\d+ )?(?P<name>.+)$")
FIRST_STEP = re.compile(r"step \d+/\d+")
# Lines that start a phase when the install script prints no `envkit-step:` line (an older recipe).
HEURISTICS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^\$ .*debootstrap "), "debootstrap"),
    (re.compile(r"^\$ .*ch-image .* import "), "import root file system"),
    (re.compile(r"^\$ .*ch-image .* build "), "ch-image build: copy parent"),
    (re.compile(r"^\$ .*hardlink "), "hard-link files shared with the parent"),
    (re.compile(r"^\s*\d+\. RUN"), "install script"),
    (re.compile(r"^(Get|Hit):1 "), "apt"),
    (re.compile(r"^(Processing|Collecting) .*(torch|numpy|cffi)"), "pip: locked wheels"),
    (re.compile(r"Building wheel for mpi4py"), "mpi4py: build"),
    (re.compile(r"horovod.*\.tar\.gz|Downloading horovod|Saved .*horovod"), "horovod: download + build"),
    (re.compile(r"^grown in \d+ instructions"), "ch-image: finish"),
    (re.compile(r"^testing "), "layer test"),
)


@dataclass
class Phase:
    """One phase of one layer: when it started, when the next began."""

    layer: str
    name: str
    start: float
    end: float = 0.0


@dataclass
class TimingReporter(Reporter):
    """Stamps every line of every layer; remembers each layer's CPU time and load average."""

    t0: float = field(default_factory=time.monotonic)
    phases: list[Phase] = field(default_factory=list)
    layers: list[dict] = field(default_factory=list)
    _cpu: float = 0.0
    _kind: str = ""
    _uses_steps: bool = False

    @staticmethod
    def children_cpu() -> float:
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        return usage.ru_utime + usage.ru_stime

    def _open(self, name: str) -> None:
        now = time.monotonic() - self.t0
        if self.phases and not self.phases[-1].end:
            self.phases[-1].end = now
        self.phases.append(Phase(self._kind, name, now))

    def layer_start(self, lp) -> None:  # type: ignore[no-untyped-def]
        self._kind, self._uses_steps = lp.layer.kind, False
        self._cpu = self.children_cpu()
        self.layers.append({"layer": lp.layer.kind, "tag": lp.layer.tag, "load_avg_start": os.getloadavg()[0]})
        self._open("start")

    def line(self, text: str) -> None:
        step = STEP.search(text)
        if step and not text.startswith("+"):
            self._uses_steps = True
            self._open(step.group("name").strip())
            return
        for pattern, name in HEURISTICS:
            if pattern.search(text):
                if self._uses_steps and name not in ("ch-image: finish", "layer test",
                                                     "hard-link files shared with the parent"):
                    return
                if not self.phases or self.phases[-1].name != name:
                    self._open(name)
                return

    def layer_done(self, lp) -> None:  # type: ignore[no-untyped-def]
        if lp.status != "built":
            return
        now = time.monotonic() - self.t0
        if self.phases and not self.phases[-1].end:
            self.phases[-1].end = now
        self.layers[-1].update(seconds=round(lp.seconds, 1), cpu_seconds=round(self.children_cpu() - self._cpu, 1),
                               load_avg_end=os.getloadavg()[0])


def run_first_command(site: str, workload: str, store: Path, np: int) -> dict:
    """`envkit run` as README says, timed to its first `step N/M` line and to its end."""
    argv = [sys.executable, "-m", "envkit.cli", "run", "--site", site, f"workloads/{workload}", "--np", str(np),
            "--store", str(store), "--json", "--", "--preset", "smoke", "--steps", "20"]
    started = time.monotonic()
    first = None
    tail: list[str] = []
    with subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            tail = [*tail[-20:], line.rstrip()]
            if first is None and FIRST_STEP.search(line):
                first = time.monotonic() - started
        rc = proc.wait()
    return {"rc": rc, "first_training_line_s": round(first, 1) if first is not None else None,
            "total_s": round(time.monotonic() - started, 1), "tail": tail if rc else tail[-2:]}


def table(rep: TimingReporter, run: dict | None) -> str:
    """The phase table (Markdown)."""
    rows = ["| layer | phase | wall s |", "|---|---|---|"]
    for ph in rep.phases:
        rows.append(f"| {ph.layer} | {ph.name} | {ph.end - ph.start:.1f} |")
    for lay in rep.layers:
        if "seconds" in lay:
            rows.append(f"| {lay['layer']} | **layer total** (CPU {lay['cpu_seconds']} s user+sys, load "
                        f"{lay['load_avg_start']:.2f} -> {lay['load_avg_end']:.2f}) | **{lay['seconds']}** |")
    if run is not None:
        rows.append(f"| run | 2 ranks, to the first training line | {run['first_training_line_s']} |")
        rows.append(f"| run | 2 ranks, whole run | {run['total_s']} |")
    return "\n".join(rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", default="local")
    parser.add_argument("--workload", default="aigw")
    parser.add_argument("--store", type=Path, required=True, help="image store (cold: an empty folder)")
    parser.add_argument("--np", type=int, default=2)
    parser.add_argument("--no-run", action="store_true", help="build only, do not start the run")
    parser.add_argument("--layer", default=None, help="build only up to this layer (base, site, workload)")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args()

    from envkit.pipeline.build import BuildOptions, run_build

    rep = TimingReporter()
    load0 = os.getloadavg()
    started = time.monotonic()
    try:
        run_build(BuildOptions(site=args.site, workload=args.workload, store=args.store, layer=args.layer), rep)
    except Exception as exc:   # the phases so far still say where the time went
        print(table(rep, None))
        print(f"\nbuild failed after {time.monotonic() - started:.0f} s: {exc}")
        return 1
    build_s = time.monotonic() - started
    run = None if args.no_run else run_first_command(args.site, args.workload, args.store, args.np)
    print(table(rep, run))
    first = build_s + (run["first_training_line_s"] or 0) if run else None
    summary = {"site": args.site, "workload": args.workload, "store": str(args.store), "build_s": round(build_s, 1),
               "to_first_training_line_s": round(first, 1) if first is not None else None,
               "load_avg_at_start": load0, "load_avg_at_end": os.getloadavg(), "cpus": os.cpu_count(),
               "layers": rep.layers, "run": run,
               "phases": [{"layer": p.layer, "phase": p.name, "wall_s": round(p.end - p.start, 1)} for p in rep.phases]}
    print(f"\nbuild {build_s:.0f} s; to the first training line {summary['to_first_training_line_s']} s "
          f"(set-up not included); load average {load0[0]:.2f} at start, {os.getloadavg()[0]:.2f} at end")
    if args.json:
        args.json.write_text(json.dumps(summary, indent=2) + "\n")
    return 0 if run is None or run["rc"] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())

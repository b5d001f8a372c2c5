"""Build progress: a live rich view (layers + the engine log's tail), plain lines, or nothing.

Both say what is happening: each install script prints `envkit-step: K/N what` before each long step (apt,
MPI, torch, mpi4py, Horovod's compile), and each engine command (debootstrap, import, build) is announced by
a `$ command` line. The estimate is the time the same layer took when it was last built in this store, else
the figure measured for its kind on a 2-core machine (bench/first_run.py), said to be an estimate.

Example:
    >>> r = PlainReporter(stream=__import__("io").StringIO())
    >>> r.line("hello")        # engine lines go to the log on disk, not to plain output
    >>> step_of("envkit-step: 3/4 Python packages"), step_of("+ echo envkit-step: 1/2 x"), step_of("$ debootstrap x")
    ('3/4 Python packages', None, 'debootstrap')
"""

from __future__ import annotations

import sys
import time
from collections import deque
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from rich.console import RenderableType
    from rich.live import Live

    from envkit.pipeline.build import BuildPlan, LayerPlan


STEP_MARK = "envkit-step: "
TOOLS = {"debootstrap": "debootstrap (the OS root file system)", "import": "ch-image import (root file system)",
         "build": "ch-image build", "hardlink": "hard-linking files shared with the parent",
         "ch-run": "the layer's test"}
# Wall seconds for each layer kind built cold on the 2-core development machine, idle (README's first command
# from a fresh clone, 2026-12-04: base 137 s, site 38 s, aigw 63 s; bench/first_run.py gave 112, 40 and 53 s):
# the estimate when the store has no earlier build of the layer. Horovod's compile: not re-measured idle.
MEASURED_S = {"base": 140.0, "site": 40.0, "horovod": 300.0, "workload": 60.0}


def step_of(line: str) -> str | None:
    """What a line says is starting: an install script's step, or the engine tool a `$ command` line runs."""
    if line.startswith(STEP_MARK):
        return line[len(STEP_MARK):].strip()
    if line.startswith("$ "):
        words = line[2:].split()
        for word in words[:4]:
            name = word.rsplit("/", 1)[-1]
            if name in ("debootstrap", "hardlink", "ch-run"):
                return name
            if name == "ch-image":
                verb = next((w for w in words if w in ("import", "build")), None)
                return verb and f"ch-image {verb}"
    return None


def estimate(lp: LayerPlan) -> tuple[float, str]:
    """(seconds, where the figure comes from) for building `lp`: its last build here, else the measured figure."""
    from envkit.store.cache import read_record

    record = read_record(lp.paths.record) or {}
    if record.get("seconds"):
        return float(record["seconds"]), "its last build here"
    return MEASURED_S.get(lp.layer.kind, 60.0), "estimate: measured on 2 cores"


class Reporter:
    """What the pipeline tells while it builds; the base class tells nothing."""

    def start(self, plan: BuildPlan) -> None:
        """The plan is known."""

    def layer_start(self, lp: LayerPlan) -> None:
        """A layer starts building."""

    def line(self, text: str) -> None:
        """One line of engine output (or a note from envkit)."""

    def layer_done(self, lp: LayerPlan) -> None:
        """A layer is built, up to date or failed (lp.status)."""

    def finish(self, plan: BuildPlan) -> None:
        """The build is over (also after a failure)."""


class SilentReporter(Reporter):
    """--quiet and --json: say nothing while building."""


class PlainReporter(Reporter):
    """One line per event, for logs and pipes (engine output stays in the log file)."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stdout
        self.started = time.monotonic()
        self.lp: LayerPlan | None = None

    def _say(self, text: str) -> None:
        self.stream.write(text + "\n")
        self.stream.flush()

    def start(self, plan: BuildPlan) -> None:
        self._say(f"site {plan.profile.name}: {plan.engine.name} {plan.engine_version}, store {plan.root}")

    def layer_start(self, lp: LayerPlan) -> None:
        self.lp, self.started = lp, time.monotonic()
        seconds, source = estimate(lp)
        self._say(f"{lp.layer.kind}: building {lp.layer.tag} ({lp.reason}); about {seconds / 60:.0f} min "
                  f"({source}); log {lp.paths.log}")

    def line(self, text: str) -> None:
        if text.startswith("waiting for"):
            self._say(text)
            return
        step = step_of(text)
        if step is not None and self.lp is not None:
            self._say(f"{self.lp.layer.kind}: {step} [{time.monotonic() - self.started:.0f} s]")

    def layer_done(self, lp: LayerPlan) -> None:
        extra = f" in {lp.seconds:.0f} s" if lp.status == "built" else ""
        self._say(f"{lp.layer.kind}: {lp.layer.tag} {lp.status}{extra}")


class RichReporter(Reporter):
    """A live table of layers and the last lines of the engine's log (a terminal only)."""

    def __init__(self, tail: int = 10) -> None:
        from rich.console import Console

        self.console = Console()
        self.lines: deque[str] = deque(maxlen=tail)
        self.plan: BuildPlan | None = None
        self.started: dict[str, float] = {}
        self.step = ""
        self.live: Live | None = None

    def _render(self) -> RenderableType:
        from rich.console import Group
        from rich.panel import Panel
        from rich.spinner import Spinner
        from rich.table import Table
        from rich.text import Text

        table = Table(show_header=True, header_style="bold", box=None)
        for col in ("layer", "image", "status", "time"):
            table.add_column(col)
        assert self.plan is not None
        for lp in self.plan.layers:
            status: RenderableType = Text(lp.status)
            elapsed = lp.seconds or (time.monotonic() - self.started[lp.layer.tag]
                                     if lp.status == "building" else 0.0)
            shown = f"{elapsed:.0f} s" if elapsed else ""
            if lp.status == "building":
                status = Spinner("dots", text=f"building ({lp.reason}){': ' + self.step if self.step else ''}")
                expected, source = estimate(lp)
                shown += f" of about {expected:.0f} s ({source})"
            table.add_row(lp.layer.kind, lp.layer.tag, status, shown)
        parts: list[RenderableType] = [table]
        if self.lines:
            parts.append(Panel(Text("\n".join(self.lines), overflow="ellipsis", no_wrap=True),
                               title="engine log", border_style="dim"))
        return Group(*parts)

    def start(self, plan: BuildPlan) -> None:
        from rich.live import Live

        self.plan = plan
        self.live = Live(get_renderable=self._render, console=self.console, refresh_per_second=4, transient=False)
        self.live.start()

    def layer_start(self, lp: LayerPlan) -> None:
        self.started[lp.layer.tag] = time.monotonic()
        self.lines.clear()
        self.step = ""

    def line(self, text: str) -> None:
        self.step = step_of(text) or self.step
        self.lines.append(text[:200])

    def layer_done(self, lp: LayerPlan) -> None:
        if lp.status != "failed":
            self.lines.clear()

    def finish(self, plan: BuildPlan) -> None:
        if self.live is not None:
            self.live.stop()
            self.live = None


def reporter_for(quiet: bool, as_json: bool) -> Reporter:
    """The reporter for the command line's flags and whether stdout is a terminal."""
    if quiet or as_json:
        return SilentReporter()
    if sys.stdout.isatty():
        return RichReporter()
    return PlainReporter()

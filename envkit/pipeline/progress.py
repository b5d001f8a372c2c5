"""Build progress: a live rich view (layers + the engine log's tail), plain lines, or nothing.

Example:
    >>> r = PlainReporter(stream=__import__("io").StringIO())
    >>> r.line("hello")        # engine lines go to the log on disk, not to plain output
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

    def _say(self, text: str) -> None:
        self.stream.write(text + "\n")
        self.stream.flush()

    def start(self, plan: BuildPlan) -> None:
        self._say(f"site {plan.profile.name}: {plan.engine.name} {plan.engine_version}, store {plan.root}")

    def layer_start(self, lp: LayerPlan) -> None:
        self._say(f"{lp.layer.kind}: building {lp.layer.tag} ({lp.reason}); log {lp.paths.log}")

    def line(self, text: str) -> None:
        if text.startswith("waiting for"):
            self._say(text)

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
            if lp.status == "building":
                status = Spinner("dots", text=f"building ({lp.reason})")
            elapsed = lp.seconds or (time.monotonic() - self.started[lp.layer.tag]
                                     if lp.status == "building" else 0.0)
            table.add_row(lp.layer.kind, lp.layer.tag, status, f"{elapsed:.0f} s" if elapsed else "")
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

    def line(self, text: str) -> None:
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

"""Rank-0 progress: one line rewritten in place on a terminal, a few plain lines otherwise.

Example:
    >>> p = Progress(total=100, enabled=True, tty=False, every=50)
    >>> p.update(50, "loss 0.5")
    step 50/100 loss 0.5
"""

from __future__ import annotations

import sys
from typing import TextIO


class Progress:
    """Prints training progress from rank 0 only."""

    def __init__(self, total: int, enabled: bool = True, tty: bool | None = None, every: int = 1,
                 stream: TextIO | None = None) -> None:
        self.total, self.enabled, self.every = total, enabled, max(1, every)
        self.stream = stream
        out = stream or sys.stdout
        self.tty = out.isatty() if tty is None else tty
        self._open_line = False

    def update(self, step: int, text: str) -> None:
        """Show `text` for `step` (on a non-terminal only every `every` steps and at the end)."""
        if not self.enabled:
            return
        line = f"step {step}/{self.total} {text}"
        out = self.stream or sys.stdout
        if self.tty:
            out.write("\r\x1b[2K" + line)
            out.flush()
            self._open_line = True
        elif step % self.every == 0 or step == self.total:
            print(line, file=out, flush=True)

    def message(self, text: str) -> None:
        """A line that stays (epoch summaries, warnings)."""
        if not self.enabled:
            return
        out = self.stream or sys.stdout
        if self._open_line:
            out.write("\n")
            self._open_line = False
        print(text, file=out, flush=True)

    def close(self) -> None:
        if self.enabled and self._open_line:
            (self.stream or sys.stdout).write("\n")
            self._open_line = False

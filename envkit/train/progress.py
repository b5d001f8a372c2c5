"""Progress lines: one line rewritten in place on a real terminal, one plain line per interval otherwise.

A job log is a file: there, every `every` steps gives one line ending in a newline, and when more than one
rank runs each line says which rank wrote it. A process started by a launcher (mpirun, srun, jsrun,
mpiexec, torchrun) never redraws, even when its stdout looks like a terminal: Open MPI hands ranks a
pseudo-terminal whose output may end in a file.

Example:
    >>> p = Progress(total=100, enabled=True, tty=False, every=50)
    >>> p.update(50, "loss 0.5")
    step 50/100 loss 0.5
    >>> p = Progress(total=100, tty=False, every=50, rank=0, world_size=2)
    >>> p.update(100, "loss 0.25")
    [rank 0/2] step 100/100 loss 0.25
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from typing import TextIO

# Variables a launcher sets in each rank it starts (Open MPI, Slurm, LSF jsrun, PMI/Hydra/PALS, PMIx, torchrun).
LAUNCHED = ("OMPI_COMM_WORLD_RANK", "SLURM_PROCID", "JSM_NAMESPACE_RANK", "PMI_RANK", "PMIX_RANK", "RANK")


def launched(env: Mapping[str, str] | None = None) -> bool:
    """Was this process started by a launcher (so its output is collected, not shown live)?

    >>> launched({"PMI_RANK": "0"}), launched({})
    (True, False)
    """
    env = os.environ if env is None else env
    return any(name in env for name in LAUNCHED)


class Progress:
    """Prints training progress (the runner enables it on rank 0 only)."""

    def __init__(self, total: int, enabled: bool = True, tty: bool | None = None, every: int = 1,
                 stream: TextIO | None = None, rank: int | None = None, world_size: int | None = None) -> None:
        self.total, self.enabled, self.every = total, enabled, max(1, every)
        self.stream = stream
        out = stream or sys.stdout
        if tty is None:
            tty = out.isatty() and not launched() and os.environ.get("TERM", "dumb") != "dumb"
        self.tty = tty
        if world_size is None:
            rank, world_size = _placement()
        self.prefix = f"[rank {rank or 0}/{world_size}] " if world_size and world_size > 1 else ""
        self._open_line = False

    def update(self, step: int, text: str) -> None:
        """Show `text` for `step` (on a non-terminal only every `every` steps and at the end)."""
        if not self.enabled:
            return
        line = f"{self.prefix}step {step}/{self.total} {text}"
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
        print(f"{self.prefix}{text}", file=out, flush=True)

    def close(self) -> None:
        if self.enabled and self._open_line:
            (self.stream or sys.stdout).write("\n")
            self._open_line = False


def _placement() -> tuple[int | None, int | None]:
    """(rank, world size) from the launcher's environment, via the runner's own rank discovery."""
    if not launched():
        return None, None
    try:
        from envkit.train.dist import discover

        place = discover()
    except Exception:  # a rank that cannot be placed still prints its progress, just without a rank tag
        return None, None
    return place.rank, place.world_size

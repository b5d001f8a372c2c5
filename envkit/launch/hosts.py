"""Where the ranks of a job meet: the allocation's first host and the rendezvous port, torch-free (the CLI, the
PMI shim and the training runner share them).

Each scheduler's module says how its node list names the first host (envkit.schedulers.*); this module asks
them. The port is ONE rule for every launcher and runner: `rendezvous_port(key)`, where the key is what every
rank of one job sees alike (the run id, else the scheduler's job id); without a key, torchrun's own default.

Example:
    >>> first_host("gpu[003-005,9],cpu1")
    'gpu003'
    >>> rendezvous_port("aigw-1") == rendezvous_port("aigw-1"), rendezvous_port(None)
    (True, 29500)
"""

from __future__ import annotations

import zlib

from envkit.schedulers.base import NodeListError, allocation_first_host
from envkit.schedulers.slurm import first_host

__all__ = ["NodeListError", "allocation_first_host", "first_host", "rendezvous_port", "DEFAULT_PORT"]

DEFAULT_PORT = 29500
"""torchrun's own default rendezvous port (https://pytorch.org/docs/stable/elastic/run.html)."""

PORT_BASE, PORT_SPAN = 20000, 20000
"""Derived ports fall in [20000, 40000): above the well-known and registered ranges most sites use, below
Linux's default ephemeral range (32768-60999 overlaps; a clash there is one failed start, named in the error)."""


def rendezvous_port(key: str | int | None) -> int:
    """The rendezvous port of one job: derived from `key` (run id or job id) so all ranks agree without
    talking, and two jobs sharing a first node rarely collide; DEFAULT_PORT without a key.

    >>> rendezvous_port(12345) == rendezvous_port("12345")
    True
    >>> 20000 <= rendezvous_port("r1") < 40000
    True
    """
    if key is None or key == "":
        return DEFAULT_PORT
    return PORT_BASE + zlib.crc32(str(key).encode()) % PORT_SPAN

"""Host names from a scheduler's node list, without importing torch (the CLI and the runner share it).

Example:
    >>> first_host("gpu[003-005,9],cpu1")
    'gpu003'
"""

from __future__ import annotations

import re

from envkit.errors import EnvkitError


class NodeListError(EnvkitError, ValueError):
    """A node list that cannot be read."""


def first_host(nodelist: str) -> str:
    """First host of a Slurm node list: 'gpu[003-005,9],cpu1' -> 'gpu003'.

    >>> first_host("hal[07-09],hal12")
    'hal07'
    """
    m = re.match(r"^([^,\[]+)(?:\[([^\]]+)\])?", nodelist.strip())
    if not m:
        raise NodeListError(f"cannot read the Slurm node list {nodelist!r}")
    prefix, ranges = m.group(1), m.group(2)
    if not ranges:
        return prefix
    return prefix + ranges.split(",")[0].split("-")[0]


def allocation_first_host(env: dict[str, str]) -> str | None:
    """First host of the job's allocation, whatever the scheduler: Slurm, PBS or LSF; None outside a job.

    Slurm names its nodes in SLURM_JOB_NODELIST; PBS lists one host per rank slot in the file PBS_NODEFILE;
    LSF lists hosts in LSB_DJOB_HOSTFILE, where (on Summit-style systems) the first line is the launch node,
    so a host that appears only once before the compute hosts is skipped [check at each LSF site].

    >>> allocation_first_host({"SLURM_JOB_NODELIST": "hal[07-09]"})
    'hal07'
    >>> allocation_first_host({}) is None
    True
    """
    if env.get("SLURM_JOB_NODELIST"):
        return first_host(env["SLURM_JOB_NODELIST"])
    for name in ("PBS_NODEFILE", "LSB_DJOB_HOSTFILE"):
        if env.get(name):
            try:
                hosts = [line.strip() for line in open(env[name]).read().splitlines() if line.strip()]
            except OSError as exc:
                raise NodeListError(f"{name}={env[name]}: cannot read the host file ({exc.strerror})") from None
            if name == "LSB_DJOB_HOSTFILE" and len(hosts) > 1 and hosts.count(hosts[0]) == 1:
                hosts = hosts[1:]
            if hosts:
                return hosts[0]
    return None

"""A failed multi-node job, node by node: which node failed (the scheduler's word on each of the job's nodes,
and the launcher's "Node failure on X" lines) and the last log lines of each node.

Log lines are placed on a node by their rank: srun --label (`1: text`), Open MPI --tag-output
(`[1,1]<stdout>:text`) or envkit's progress tag (`[rank 1/2] ...`), then the rank's host from metrics.json
(`hosts`, in rank order), else Slurm's default block distribution over the job's node list; srun's and
slurmstepd's own lines name their node (`srun: error: node2: task 1: Killed`, `slurmstepd-node1: ...`).

Example:
    >>> lines = ["0: [rank 0/2] step 4/20", "1: [rank 1/2] step 4/20", "srun: error: Node failure on node2"]
    >>> tails = node_tails(lines, ["node1", "node2"], 2)
    >>> tails["node2"], failed_in_log(lines)
    (['1: [rank 1/2] step 4/20', 'srun: error: Node failure on node2'], ['node2'])
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Sequence

RANK_TAGS = (re.compile(r"^\s*(\d+): "), re.compile(r"^\[\d+,(\d+)\]<std\w+>:"), re.compile(r"\[rank (\d+)/\d+\]"))
NODE_LINE = re.compile(r"^(?:srun: error: (?:Node failure on )?|slurmstepd-)([\w.-]+?)(?::|\s|$)")
BAD_STATES = ("down", "drain", "fail", "not_responding", "unknown")


def rank_of(line: str) -> int | None:
    """The rank a log line came from, None when it is untagged.

    >>> rank_of("1: step"), rank_of("[1,3]<stderr>:x"), rank_of("[rank 2/4] step 1"), rank_of("hello")
    (1, 3, 2, None)
    """
    for pattern in RANK_TAGS:
        match = pattern.search(line)
        if match:
            return int(match.group(1))
    return None


def host_of_rank(rank: int, nodes: Sequence[str], world_size: int, hosts: Sequence[str] = ()) -> str | None:
    """Rank -> host: metrics.json's `hosts` when it has the rank, else Slurm's block distribution.

    >>> host_of_rank(3, ["a", "b"], 4), host_of_rank(0, ["a", "b"], 2, hosts=["b", "a"])
    ('b', 'b')
    """
    if rank < len(hosts):
        return hosts[rank]
    if not nodes or world_size < 1 or rank >= world_size:
        return None
    per_node = -(-world_size // len(nodes))
    return nodes[min(rank // per_node, len(nodes) - 1)]


def node_tails(lines: Sequence[str], nodes: Sequence[str], world_size: int, hosts: Sequence[str] = (),
               keep: int = 8) -> dict[str, list[str]]:
    """The last `keep` log lines of each node (only nodes with lines)."""
    out: dict[str, list[str]] = {}
    for line in lines:
        named = NODE_LINE.match(line)
        rank = rank_of(line)
        host = named.group(1) if named else host_of_rank(rank, nodes, world_size, hosts) if rank is not None \
            else None
        if host:
            out.setdefault(host, []).append(line)
    return {host: tail[-keep:] for host, tail in sorted(out.items())}


def failed_in_log(lines: Sequence[str]) -> list[str]:
    """Nodes the launcher said failed ("srun: error: Node failure on node2")."""
    found = (re.search(r"Node failure on ([\w.-]+)", line) for line in lines)
    return sorted({m.group(1) for m in found if m})


def _query(argv: list[str]) -> str:
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return proc.stdout if proc.returncode == 0 else ""


def slurm_job_nodes(job_id: str) -> list[str]:
    """The job's nodes from scontrol (the controller remembers a job for MinJobAge after it ends)."""
    text = _query(["scontrol", "show", "job", "-o", str(job_id)])
    match = re.search(r"\bNodeList=(\S+)", text)
    if not match or match.group(1) in ("(null)", ""):
        return []
    return _query(["scontrol", "show", "hostnames", match.group(1)]).split()


def slurm_node_states(nodes: Sequence[str]) -> dict[str, str]:
    """Each node's state and reason as sinfo prints them: {'node2': 'down* (Not responding)'}."""
    if not nodes:
        return {}
    text = _query(["sinfo", "-h", "-N", "-n", ",".join(nodes), "-o", "%N|%T|%E"])
    states: dict[str, str] = {}
    for row in text.splitlines():
        name, _, rest = row.partition("|")
        state, _, reason = rest.partition("|")
        if name:
            states[name] = state + (f" ({reason})" if reason and reason != "none" else "")
    return states


def is_bad(state: str) -> bool:
    """Is a node state (sinfo %T, `*` = not responding) one of a failed node?

    >>> is_bad("down* (Not responding)"), is_bad("idle"), is_bad("mixed*")
    (True, False, True)
    """
    word = state.split(" ")[0].lower()
    return word.endswith("*") or any(bad in word for bad in BAD_STATES)

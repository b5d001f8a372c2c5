"""Run a rank's command with the torchrun variables set from the PMI ones an MPICH-family launcher gives.

MPICH's Hydra `mpiexec` and Cray PALS give each rank PMI_RANK and PMI_SIZE (and a local rank in
MPI_LOCALRANKID or PMI_LOCAL_RANK); `envkit.train` reads the names torchrun uses. This module maps one to
the other, picks MASTER_ADDR (ENVKIT_MASTER_ADDR, else the allocation's first host, else this host for a
one-node run) and a MASTER_PORT every rank agrees on (ENVKIT_MASTER_PORT, else one derived from the run id
in the command), then replaces itself with the command. Torch-free, so it starts fast.

Example:
    $ mpiexec -n 2 python3 -m envkit.launch.pmi_env python3 -m envkit.train aigw --run-id r1
    >>> torch_env({"PMI_RANK": "1", "PMI_SIZE": "2", "MPI_LOCALRANKID": "1", "MPI_LOCALNRANKS": "2"},
    ...           ["--run-id", "r1"])["RANK"]
    '1'
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence

from envkit.launch.hosts import NodeListError, allocation_first_host, rendezvous_port


def master_port(command: Sequence[str]) -> int:
    """The rendezvous port of the run id in the command (`--run-id X`), the one rule of envkit.launch.hosts.

    >>> master_port(["--run-id", "aigw-1"]) == master_port(["x", "--run-id", "aigw-1"])
    True
    """
    for i, arg in enumerate(command):
        value = command[i + 1] if arg == "--run-id" and i + 1 < len(command) else \
            arg.split("=", 1)[1] if arg.startswith("--run-id=") else None
        if value:
            return rendezvous_port(value)
    return rendezvous_port(None)


def torch_env(env: Mapping[str, str], command: Sequence[str]) -> dict[str, str]:
    """The variables to add: RANK, WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE, MASTER_ADDR, MASTER_PORT."""
    if "PMI_RANK" not in env or "PMI_SIZE" not in env:
        return {}
    size = env["PMI_SIZE"]
    local = env.get("MPI_LOCALRANKID") or env.get("PMI_LOCAL_RANK") or env.get("PALS_LOCAL_RANKID") or "0"
    local_size = env.get("MPI_LOCALNRANKS") or env.get("PMI_LOCAL_SIZE") or size
    host = env.get("ENVKIT_MASTER_ADDR") or allocation_first_host(dict(env)) or "127.0.0.1"
    port = env.get("ENVKIT_MASTER_PORT") or str(master_port(command))
    return {"RANK": env["PMI_RANK"], "WORLD_SIZE": size, "LOCAL_RANK": local, "LOCAL_WORLD_SIZE": local_size,
            "MASTER_ADDR": env.get("MASTER_ADDR", host), "MASTER_PORT": env.get("MASTER_PORT", port)}


def main(argv: Sequence[str] | None = None) -> None:
    """Set the variables and exec the command (argv[1:])."""
    command = list(sys.argv[1:] if argv is None else argv)
    if not command:
        sys.stderr.write("error: usage: python -m envkit.launch.pmi_env COMMAND [ARGS...]\n")
        sys.exit(2)
    try:
        os.environ.update(torch_env(os.environ, command))
    except NodeListError as exc:   # e.g. PBS_NODEFILE in the host's spool, not bound into the container
        sys.stderr.write(f"error: {exc.message}; set ENVKIT_MASTER_ADDR to the first host before the launcher "
                         "starts the ranks (envkit submit and envkit run do)\n")
        sys.exit(1)
    try:
        os.execvp(command[0], command)
    except OSError as exc:
        sys.stderr.write(f"error: cannot run {command[0]!r}: {exc.strerror}\n")
        sys.exit(127)


if __name__ == "__main__":
    main()

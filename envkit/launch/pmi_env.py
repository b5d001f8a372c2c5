"""Run a rank's command with the torchrun variables set from the ones its launcher gives.

MPICH's Hydra `mpiexec` and Cray PALS give each rank PMI_RANK and PMI_SIZE (and a local rank in
MPI_LOCALRANKID or PMI_LOCAL_RANK); Open MPI's mpirun OMPI_COMM_WORLD_*; jsrun JSM_NAMESPACE_*; srun
SLURM_PROCID, SLURM_NTASKS and SLURM_LOCALID (as enroot's pytorch hook reads them); torchrun sets the torchrun
names itself, which are then left alone. A plain `torch.distributed.init_process_group()` script and
`envkit.train` read the names torchrun uses. This module maps one to the other, picks MASTER_ADDR
(ENVKIT_MASTER_ADDR, else the allocation's first host, else this host for a one-node run) and a MASTER_PORT
every rank agrees on (ENVKIT_MASTER_PORT, else one derived from the run id in the command), then replaces
itself with the command (in $ENVKIT_WORKDIR when set: a project's ranks start in its bound folder).
Torch-free and pydantic-free (a project image carries only this module and what it imports:
envkit.recipe.project_layer.SHIM_FILES), so it starts fast.

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

PMI_SHIM_MODULE = "envkit.launch.pmi_env"
"""How a rank starts this wrapper: `python3 -m envkit.launch.pmi_env COMMAND...`."""


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
    found = launcher_ranks(env)
    if found is None:
        return {}
    rank, size, local, local_size = found
    host = env.get("ENVKIT_MASTER_ADDR") or allocation_first_host(dict(env)) or "127.0.0.1"
    port = env.get("ENVKIT_MASTER_PORT") or str(master_port(command))
    return {"RANK": rank, "WORLD_SIZE": size, "LOCAL_RANK": local, "LOCAL_WORLD_SIZE": local_size,
            "MASTER_ADDR": env.get("MASTER_ADDR", host), "MASTER_PORT": env.get("MASTER_PORT", port)}


def launcher_ranks(env: Mapping[str, str]) -> tuple[str, str, str, str] | None:
    """(rank, world size, local rank, local world size) from the launcher's own variables; None under torchrun
    (RANK and WORLD_SIZE already set) or without a launcher.

    >>> launcher_ranks({"OMPI_COMM_WORLD_RANK": "1", "OMPI_COMM_WORLD_SIZE": "2",
    ...                 "OMPI_COMM_WORLD_LOCAL_RANK": "1", "OMPI_COMM_WORLD_LOCAL_SIZE": "2"})
    ('1', '2', '1', '2')
    >>> launcher_ranks({"SLURM_PROCID": "3", "SLURM_NTASKS": "4", "SLURM_LOCALID": "1",
    ...                 "SLURM_TASKS_PER_NODE": "2(x2)"})
    ('3', '4', '1', '2')
    >>> launcher_ranks({"RANK": "0", "WORLD_SIZE": "2", "OMPI_COMM_WORLD_RANK": "0"}) is None
    True
    """
    if "RANK" in env and "WORLD_SIZE" in env:
        return None
    if "PMI_RANK" in env and "PMI_SIZE" in env:
        size = env["PMI_SIZE"]
        local = env.get("MPI_LOCALRANKID") or env.get("PMI_LOCAL_RANK") or env.get("PALS_LOCAL_RANKID") or "0"
        return env["PMI_RANK"], size, local, env.get("MPI_LOCALNRANKS") or env.get("PMI_LOCAL_SIZE") or size
    if "OMPI_COMM_WORLD_RANK" in env and "OMPI_COMM_WORLD_SIZE" in env:
        size = env["OMPI_COMM_WORLD_SIZE"]
        return (env["OMPI_COMM_WORLD_RANK"], size, env.get("OMPI_COMM_WORLD_LOCAL_RANK", "0"),
                env.get("OMPI_COMM_WORLD_LOCAL_SIZE", size))
    if "JSM_NAMESPACE_RANK" in env and "JSM_NAMESPACE_SIZE" in env:
        size = env["JSM_NAMESPACE_SIZE"]
        return (env["JSM_NAMESPACE_RANK"], size, env.get("JSM_NAMESPACE_LOCAL_RANK", "0"),
                env.get("JSM_NAMESPACE_LOCAL_SIZE", size))
    if "SLURM_PROCID" in env and ("SLURM_STEP_NUM_TASKS" in env or "SLURM_NTASKS" in env):
        size = env.get("SLURM_STEP_NUM_TASKS") or env["SLURM_NTASKS"]
        per_node = (env.get("SLURM_STEP_TASKS_PER_NODE") or env.get("SLURM_TASKS_PER_NODE") or size)
        return env["SLURM_PROCID"], size, env.get("SLURM_LOCALID", "0"), per_node.split("(")[0].split(",")[0]
    return None


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
    workdir = os.environ.get("ENVKIT_WORKDIR")
    try:
        if workdir:
            os.chdir(workdir)
        os.execvp(command[0], command)
    except OSError as exc:
        sys.stderr.write(f"error: cannot run {command[0]!r}: {exc.strerror}\n")
        sys.exit(127)


if __name__ == "__main__":
    main()

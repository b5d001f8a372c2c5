"""The launcher interface: each launcher turns a launch plan and the few site facts it needs into the argv a
site uses, and says which MPI families and PMI it speaks, which scheduler it needs, and whether it meets at a
rendezvous host.

Launchers are small classes, one module each, registered by name in envkit.registry.LAUNCHERS (as ReFrame's
backends are); `argv` returns an argv list, never a shell string, so no profile value is ever parsed by a
shell. `shlex.join` shows it to people. A launcher never sees the whole profile: `LaunchFacts` holds
what launchers read (program, site arguments, how to ask for GPUs, partition, account, PMI,
scheduler).

Example:
    >>> from envkit.profile import load_profile
    >>> plan = LaunchPlan(nodes=2, tasks_per_node=6, gpus_per_task=1,
    ...                   command=("python", "-m", "envkit.train", "aigw"))
    >>> " ".join(launch_argv(load_profile("summit"), plan)[:4])
    'jsrun --smpiargs=-gpu -bpacked:7 -n12'
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import ClassVar

from envkit.errors import EnvkitError
from envkit.profile.model import Profile
from envkit.registry import LAUNCHERS


@dataclass(frozen=True)
class LaunchPlan:
    """What to start: how many nodes and ranks, and the command each rank runs.

    wrapper is the container-exec prefix (`apptainer exec --nv ... img.sif`), empty
    for a native run; container_options are the launcher's own options that put each rank in a container
    (pyxis `--container-image=...`, CSCS `--environment=...`), for engines that run through the launcher;
    env names variables the launcher must forward to ranks;
    rendezvous is HOST:PORT of the first node, which multi-node torchrun needs.
    """

    nodes: int
    tasks_per_node: int
    command: tuple[str, ...]
    gpus_per_task: int = 0
    wrapper: tuple[str, ...] = ()
    container_options: tuple[str, ...] = ()
    env: tuple[tuple[str, str], ...] = field(default=())
    rendezvous: str | None = None

    @property
    def world_size(self) -> int:
        """Total number of ranks."""
        return self.nodes * self.tasks_per_node


@dataclass(frozen=True)
class LaunchFacts:
    """The site facts a launcher reads, taken from a profile by `facts_for`.

    args are the profile's own launcher arguments, given only to the profile's own launcher.

    Example:
        >>> LaunchFacts(program="mpiexec.mpich").program
        'mpiexec.mpich'
    """

    program: str | None = None
    args: tuple[str, ...] = ()
    gpu_request: str = "none"
    gres_type: str | None = None
    cpus_per_task: int | None = None
    partition: str | None = None
    account: str | None = None
    pmi: str = "none"
    scheduler: str = "none"


def facts_for(profile: Profile, launcher: str) -> LaunchFacts:
    """What `launcher` needs from `profile`; the site's program and arguments only for its own launcher."""
    own = profile.launcher.kind == launcher
    return LaunchFacts(
        program=profile.launcher.program if own else None,
        args=tuple(profile.launcher.args) if own else (),
        gpu_request=profile.launcher.gpu_request,
        gres_type=profile.launcher.gres_type,
        cpus_per_task=profile.launcher.cpus_per_task,
        partition=profile.scheduler.partition,
        account=profile.scheduler.account,
        pmi=profile.mpi.pmi,
        scheduler=profile.scheduler.kind,
    )


class Launcher(ABC):
    """One way of starting ranks (srun, jsrun, mpirun, mpiexec, torchrun)."""

    name: ClassVar[str]
    #: How the docs name it.
    display_name: ClassVar[str]
    #: The MPI families (envkit.profile.mpi.Family) whose ranks it can start; None: any (PMI, or it forks ranks).
    speaks: ClassVar[tuple[str, ...] | None] = None
    #: The PMI flavours it offers ranks (srun: pmix, pmi2); empty: its MPI's own.
    pmi: ClassVar[tuple[str, ...]] = ()
    #: The scheduler it needs (srun: slurm), None: any.
    needs_scheduler: ClassVar[str | None] = None
    #: Across nodes, do the ranks meet at a rendezvous host (HOST:PORT, envkit.launch.hosts)?
    rendezvous: ClassVar[bool] = False
    #: Can it put ranks in a container through options of its own (LaunchPlan.container_options)?
    container_options: ClassVar[bool] = False
    #: Its ranks learn the first host from ENVKIT_MASTER_ADDR (envkit.launch.pmi_env), not from the scheduler's
    #: node list, which is not readable inside the container (PBS_NODEFILE lies in the host's spool).
    needs_master_addr: ClassVar[bool] = False

    @abstractmethod
    def argv(self, facts: LaunchFacts, plan: LaunchPlan) -> list[str]:
        """The full command line, container wrapper and rank command included."""

    def per_node_argv(self, facts: LaunchFacts, plan: LaunchPlan) -> list[str]:
        """Start `plan.command` once per node (a scheduler's step launcher; torchrun across nodes)."""
        return self.argv(facts, plan)


# Ranks started by an MPICH-family launcher only get PMI_RANK/PMI_SIZE; this module maps them to the
# torchrun names (RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR/PORT) before running the rank's command.
PMI_SHIM = "envkit.launch.pmi_env"


def with_pmi_shim(command: tuple[str, ...]) -> list[str]:
    """`python -m envkit.train ...` -> `python -m envkit.launch.pmi_env python -m envkit.train ...`."""
    return [command[0], "-m", PMI_SHIM, *command] if command else []


def register_launcher(cls: type[Launcher]) -> type[Launcher]:
    """Class decorator: make a launcher available under its `name` (a second one of that name is an error)."""
    return LAUNCHERS.register(cls.name)(cls)


def get_launcher(name: str) -> Launcher:
    """The launcher registered under `name` (a one-line error listing the known ones otherwise)."""
    return LAUNCHERS.get(name)()


def launch_argv(profile: Profile, plan: LaunchPlan, launcher: str | None = None) -> list[str]:
    """The site's launch line for `plan` (the profile's launcher unless one is named)."""
    if plan.nodes < 1 or plan.tasks_per_node < 1:
        raise EnvkitError("nodes and tasks per node must be >= 1")
    name = launcher or profile.launcher.kind
    chosen = get_launcher(name)
    if plan.container_options and not chosen.container_options:
        raise EnvkitError(f"the {profile.container.engine} engine puts ranks in containers through the launcher's "
                          f"own options ({plan.container_options[0].split('=')[0]}), which {name} does not take: "
                          "use launcher.kind srun (or --launcher srun)")
    return chosen.argv(facts_for(profile, name), plan)

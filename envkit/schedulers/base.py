"""The batch-scheduler interface: what a job asks for (`JobSpec`) and what each scheduler module answers.

A scheduler is one module (envkit/schedulers/slurm.py, lsf.py, pbs.py, or a plugin's) holding all envkit knows
about it: its directives and how it spells time, account and queue, the submit, state and cancel commands and
the states they print, how a job finds its first host (the node list), the job-script template, the launcher
that starts one task per node, and the MPI configure flags that integrate with it.

Example:
    >>> from envkit.schedulers.base import get_scheduler
    >>> spec = JobSpec(site="hal", workload="aigw", run_id="r1", nodes=2, tasks_per_node=4, gpus_per_node=4,
    ...                cores_per_node=160, log="/r/r1/job.log")
    >>> get_scheduler("slurm").directives(spec)[:3]
    ['--job-name=envkit-aigw', '--nodes=2', '--ntasks-per-node=4']
"""

from __future__ import annotations

import re
import shutil
import subprocess
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar

from envkit.errors import EnvkitError
from envkit.registry import SCHEDULERS

# Normalised job states, whatever the scheduler calls them.
FINAL_STATES = ("COMPLETED", "FAILED", "CANCELLED", "TIMEOUT")


@dataclass(frozen=True)
class JobSpec:
    """What a job asks the scheduler for and what it runs (argv from the launch model)."""

    site: str
    workload: str
    run_id: str
    nodes: int
    tasks_per_node: int
    log: str
    gpus_per_node: int = 0
    cores_per_node: int = 1
    cpus_per_task: int | None = None
    gpu_request: str = "none"
    gres_type: str | None = None
    time: str | None = None
    account: str | None = None
    queue: str | None = None
    extra: tuple[str, ...] = ()
    select: tuple[str, ...] = ()       # PBS select-chunk resources from the profile (system=polaris)
    required: tuple[str, ...] = ()     # what the centre requires of every job (scheduler.required)
    modules: tuple[str, ...] = ()
    argv: tuple[str, ...] = ()
    workdir: str = "."
    exit_file: str = "job-exit-code"
    profile_hash: str = ""
    meta: dict[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return f"envkit-{self.workload}"


def run_query(argv: list[str]) -> str | None:
    """stdout of a query tool, or None when it is missing or fails."""
    if shutil.which(argv[0]) is None:
        return None
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return proc.stdout if proc.returncode == 0 else None


class Scheduler(ABC):
    """One batch system: its directives, how to submit a script, how to read a job's state."""

    name: ClassVar[str]
    #: How people write its name (docs).
    display_name: ClassVar[str]
    program: ClassVar[str]
    #: What starts each directive line of a job script (`#SBATCH`).
    prefix: ClassVar[str]
    #: Shell command, run inside the job, that prints the allocation's first compute host (torchrun's rendezvous).
    first_host: ClassVar[str]

    @abstractmethod
    def directives(self, job: JobSpec) -> list[str]:
        """The directive lines' text (without the `#SBATCH ` prefix), in order."""

    @abstractmethod
    def submit_argv(self, script: str) -> tuple[list[str], bool]:
        """(argv, whether the script goes on stdin)."""

    #: How this scheduler spells the optional requests; `{}` takes the value (time, account, queue).
    time_directive: ClassVar[str]
    account_directive: ClassVar[str]
    queue_directive: ClassVar[str]
    #: The regular expression whose first group is the job id in the submit command's output.
    job_id_pattern: ClassVar[str] = r"^\s*(\S+)\s*$"

    def walltime(self, time: str) -> str:
        """The time limit as this scheduler writes it (HH:MM:SS unless overridden)."""
        return time

    def optional_directives(self, job: JobSpec) -> list[str]:
        """The time, account and queue directives that were asked for, in that order."""
        asked = ((job.time and self.walltime(job.time), self.time_directive),
                 (job.account, self.account_directive), (job.queue, self.queue_directive))
        return [spelling.format(value) for value, spelling in asked if value]

    def job_id(self, stdout: str) -> str:
        """The job id from the submit command's output."""
        match = re.search(self.job_id_pattern, stdout)
        if not match:
            raise EnvkitError(f"{self.program} printed no job id: {stdout.strip()[:200]!r}")
        return match.group(1)

    @abstractmethod
    def state(self, job_id: str) -> str | None:
        """The job's normalised state from the scheduler's tools, None when they cannot tell."""

    @abstractmethod
    def cancel_argv(self, job_id: str) -> list[str]:
        """The command that cancels a job."""

    @abstractmethod
    def allocation_first_host(self, env: Mapping[str, str]) -> str | None:
        """Inside a job of this scheduler: the allocation's first compute host from the job's environment
        (None outside one). The shell form of the same rule is `first_host`."""

    #: The profile key that names the default queue (`scheduler.partition` for Slurm, else `scheduler.queue`).
    queue_key: ClassVar[str] = "queue"
    #: The job-script template (under recipes/), given `job` (envkit.batch.jobs: directives, prefix, spec...).
    template: ClassVar[str] = "jobs/job.sh.j2"
    #: The launcher that starts one task per node of a job (torchrun across nodes), None: not known.
    step_launcher: ClassVar[str | None] = None
    #: Open MPI `configure` flags that integrate with this scheduler (an image whose MPI is built from source).
    openmpi_configure: ClassVar[tuple[str, ...]] = ()


def read_hosts(var: str, env: Mapping[str, str]) -> list[str]:
    """The non-empty lines of the host file named by $var (empty when unset); a one-line error if unreadable."""
    if not env.get(var):
        return []
    try:
        text = open(env[var]).read()
    except OSError as exc:
        raise NodeListError(f"{var}={env[var]}: cannot read the host file ({exc.strerror})") from None
    return [line.strip() for line in text.splitlines() if line.strip()]


class NodeListError(EnvkitError, ValueError):
    """A node list that cannot be read."""


def register_scheduler(cls: type[Scheduler]) -> type[Scheduler]:
    """Class decorator: make a scheduler available under its `name`."""
    return SCHEDULERS.register(cls.name)(cls)


def get_scheduler(name: str) -> Scheduler:
    """The scheduler registered under `name`; `none` is a one-line error saying to use `envkit run`."""
    if name == "none":
        raise EnvkitError("the site has no batch scheduler (scheduler.kind: none): use `envkit run` instead")
    return SCHEDULERS.get(name)()


def allocation_first_host(env: Mapping[str, str]) -> str | None:
    """First host of the job's allocation, whatever the scheduler (each one's rule); None outside a job.

    >>> allocation_first_host({"SLURM_JOB_NODELIST": "hal[07-09]"})
    'hal07'
    >>> allocation_first_host({}) is None
    True
    """
    for name in SCHEDULERS.names():
        host = SCHEDULERS.get(name)().allocation_first_host(env)
        if host:
            return host
    return None



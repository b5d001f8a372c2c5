"""Batch schedulers: one small registered class each (Slurm, LSF, PBS Pro) that writes directives, submits
and asks for a job's state with the scheduler's own tools.

Directive spellings: Slurm sbatch(1) (`--nodes --ntasks-per-node --gres|--gpus-per-node --time --account
--partition --output`, `sbatch --parsable` prints the id), IBM LSF bsub (`-nnodes -W -P -q -J -o`, the script
read from stdin), PBS Pro qsub (`-l select=N:ncpus=C:ngpus=G -l walltime= -A -q -N -o -j oe`).

Example:
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
from dataclasses import dataclass, field
from typing import ClassVar

from envkit.errors import EnvkitError
from envkit.registry import Registry

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


def _run(argv: list[str]) -> str | None:
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


SCHEDULERS: Registry[type[Scheduler]] = Registry("scheduler", modules=("envkit.batch.schedulers",))


def register_scheduler(cls: type[Scheduler]) -> type[Scheduler]:
    """Class decorator: make a scheduler available under its `name`."""
    return SCHEDULERS.register(cls.name)(cls)


def get_scheduler(name: str) -> Scheduler:
    """The scheduler registered under `name`; `none` is a one-line error saying to use `envkit run`."""
    if name == "none":
        raise EnvkitError("the site has no batch scheduler (scheduler.kind: none): use `envkit run` instead")
    return SCHEDULERS.get(name)()


SLURM_STATES = {"PENDING": "PENDING", "CONFIGURING": "PENDING", "RUNNING": "RUNNING", "COMPLETING": "RUNNING",
                "COMPLETED": "COMPLETED", "FAILED": "FAILED", "NODE_FAIL": "FAILED", "OUT_OF_MEMORY": "FAILED",
                "BOOT_FAIL": "FAILED", "CANCELLED": "CANCELLED", "PREEMPTED": "CANCELLED", "TIMEOUT": "TIMEOUT",
                "DEADLINE": "TIMEOUT"}


@register_scheduler
class Slurm(Scheduler):
    """Slurm: #SBATCH directives, `sbatch --parsable`, state from squeue, sacct or scontrol."""

    name, program, prefix = "slurm", "sbatch", "#SBATCH"   # kind, submit command, directive prefix
    # scontrol(1) `show hostnames`: one host a line from the job's node list (https://slurm.schedmd.com/scontrol.html)
    first_host = 'scontrol show hostnames "$SLURM_JOB_NODELIST" | head -n 1'
    time_directive, account_directive, queue_directive = "--time={}", "--account={}", "--partition={}"
    job_id_pattern = r"^\s*(\d+)"

    def directives(self, job: JobSpec) -> list[str]:
        out = [f"--job-name={job.name}", f"--nodes={job.nodes}", f"--ntasks-per-node={job.tasks_per_node}"]
        if job.cpus_per_task:
            out.append(f"--cpus-per-task={job.cpus_per_task}")
        if job.gpus_per_node and job.gpu_request == "gres":
            kind = f"gpu:{job.gres_type}" if job.gres_type else "gpu"
            out.append(f"--gres={kind}:{job.gpus_per_node}")
        elif job.gpus_per_node and job.gpu_request != "none":   # none (the profile's own): the partition gives them
            out.append(f"--gpus-per-node={job.gpus_per_node}")
        return [*out, *self.optional_directives(job), f"--output={job.log}", *job.extra]

    def submit_argv(self, script: str) -> tuple[list[str], bool]:
        return ["sbatch", "--parsable", script], False

    def state(self, job_id: str) -> str | None:
        text = _run(["squeue", "-h", "-j", job_id, "-o", "%T"])
        if text and text.strip():
            return SLURM_STATES.get(text.split()[0], text.split()[0])
        text = _run(["sacct", "-j", job_id, "-n", "-P", "-X", "--format=State"])
        if text and text.strip():
            return SLURM_STATES.get(text.split()[0].rstrip("+"), text.split()[0])
        text = _run(["scontrol", "show", "job", job_id])  # accounting off: the controller still remembers it
        match = re.search(r"JobState=(\w+)", text or "")
        return SLURM_STATES.get(match.group(1), match.group(1)) if match else None


@register_scheduler
class Lsf(Scheduler):
    """IBM LSF (Summit): #BSUB directives, `bsub < script`, state from bjobs."""

    name, program, prefix = "lsf", "bsub", "#BSUB"   # kind, submit command, directive prefix
    # LSB_DJOB_HOSTFILE: one line per slot. On Summit-style systems the first line is the launch (batch) node,
    # which runs no ranks (OLCF's batch script examples drop it: https://github.com/olcf-tutorials/
    # Batch-Script-Examples); the second line is then a compute host, and elsewhere it is one too (the first host's
    # second slot, or the second host), so it is taken when there is one [check at each LSF site].
    first_host = """awk 'NR <= 2 { host = $1 } NR == 2 { exit } END { print host }' "$LSB_DJOB_HOSTFILE\""""
    time_directive, account_directive, queue_directive = "-W {}", "-P {}", "-q {}"
    job_id_pattern = r"Job <(\d+)>"

    def walltime(self, time: str) -> str:
        return lsf_walltime(time)

    def directives(self, job: JobSpec) -> list[str]:
        return [f"-J {job.name}", f"-nnodes {job.nodes}", *self.optional_directives(job), f"-o {job.log}",
                *job.extra]

    def submit_argv(self, script: str) -> tuple[list[str], bool]:
        return ["bsub"], True

    def state(self, job_id: str) -> str | None:
        text = _run(["bjobs", "-noheader", "-o", "stat", job_id])
        states = {"PEND": "PENDING", "RUN": "RUNNING", "DONE": "COMPLETED", "EXIT": "FAILED", "PSUSP": "PENDING",
                  "USUSP": "RUNNING", "SSUSP": "RUNNING"}
        return states.get(text.split()[0]) if text and text.strip() else None


@register_scheduler
class Pbs(Scheduler):
    """PBS Pro (Polaris-like): #PBS directives with `-l select=`, `qsub`, state from `qstat -x -f`."""

    name, program, prefix = "pbs", "qsub", "#PBS"   # kind, submit command, directive prefix
    # PBS_NODEFILE: the job's hosts, one line per rank slot, first host first (ALCF Polaris docs count nodes with
    # `wc -l < $PBS_NODEFILE`: https://docs.alcf.anl.gov/polaris/running-jobs/)
    first_host = 'head -n 1 "$PBS_NODEFILE"'
    time_directive, account_directive, queue_directive = "-l walltime={}", "-A {}", "-q {}"

    def directives(self, job: JobSpec) -> list[str]:
        select = ":".join([f"select={job.nodes}", *job.select, f"ncpus={job.cores_per_node}"])
        if job.gpus_per_node:
            select += f":ngpus={job.gpus_per_node}"
        if "mpiprocs" in job.required:   # ranks per node, as NCAR's Derecho and ALCF's examples ask
            select += f":mpiprocs={job.tasks_per_node}"
        return [f"-N {job.name}", f"-l {select}", *self.optional_directives(job), f"-o {job.log}", "-j oe",
                *job.extra]

    def submit_argv(self, script: str) -> tuple[list[str], bool]:
        return ["qsub", script], False

    def state(self, job_id: str) -> str | None:
        text = _run(["qstat", "-x", "-f", job_id]) or ""
        state = re.search(r"job_state = (\w)", text)
        if not state:
            return None
        if state.group(1) == "F":
            code = re.search(r"Exit_status = (-?\d+)", text)
            return "COMPLETED" if code and code.group(1) == "0" else "FAILED"
        return {"Q": "PENDING", "H": "PENDING", "W": "PENDING", "R": "RUNNING", "E": "RUNNING"}.get(state.group(1))


def lsf_walltime(time: str) -> str:
    """LSF's -W takes [HH:]MM: 'HH:MM:SS' -> 'HH:MM' (seconds dropped), 'D-HH:MM:SS' -> hours.

    >>> lsf_walltime("02:00:00"), lsf_walltime("1-00:30:00"), lsf_walltime("02:00")
    ('02:00', '24:30', '02:00')
    """
    days, _, rest = time.rpartition("-")
    parts = rest.split(":")
    if len(parts) == 3:
        parts = parts[:2]
    if days:
        parts[0] = str(int(days) * 24 + int(parts[0]))
    return ":".join(parts)

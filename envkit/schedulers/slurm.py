"""Slurm: everything envkit knows about it.

Directives: sbatch(1) `--job-name --nodes --ntasks-per-node --cpus-per-task --gres|--gpus-per-node --time
--account --partition --output` (https://slurm.schedmd.com/sbatch.html); `sbatch --parsable` prints the job id;
state from squeue, else sacct, else scontrol (accounting off); `scancel` cancels. The node list
(SLURM_JOB_NODELIST, e.g. `gpu[003-005,9]`) and its first host: scontrol(1) `show hostnames`
(https://slurm.schedmd.com/scontrol.html). One task per node: srun. Open MPI built for Slurm:
`--with-slurm --with-pmix=internal` (https://docs.open-mpi.org/en/v5.0.x/launching-apps/slurm.html).

Example:
    >>> first_host("gpu[003-005,9],cpu1")
    'gpu003'
    >>> Slurm().cancel_argv("42")
    ['scancel', '42']
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from envkit.schedulers.base import JobSpec, NodeListError, Scheduler, register_scheduler, run_query

SLURM_STATES = {"PENDING": "PENDING", "CONFIGURING": "PENDING", "RUNNING": "RUNNING", "COMPLETING": "RUNNING",
                "COMPLETED": "COMPLETED", "FAILED": "FAILED", "NODE_FAIL": "FAILED", "OUT_OF_MEMORY": "FAILED",
                "BOOT_FAIL": "FAILED", "CANCELLED": "CANCELLED", "PREEMPTED": "CANCELLED", "TIMEOUT": "TIMEOUT",
                "DEADLINE": "TIMEOUT"}


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


@register_scheduler
class Slurm(Scheduler):
    """Slurm: #SBATCH directives, `sbatch --parsable`, state from squeue, sacct or scontrol."""

    name, display_name, program, prefix = "slurm", "Slurm", "sbatch", "#SBATCH"
    first_host = 'scontrol show hostnames "$SLURM_JOB_NODELIST" | head -n 1'
    time_directive, account_directive, queue_directive = "--time={}", "--account={}", "--partition={}"
    job_id_pattern = r"^\s*(\d+)"
    queue_key = "partition"
    step_launcher = "srun"
    openmpi_configure = ("--with-slurm", "--with-pmix=internal")

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

    def cancel_argv(self, job_id: str) -> list[str]:
        return ["scancel", job_id]

    def state(self, job_id: str) -> str | None:
        text = run_query(["squeue", "-h", "-j", job_id, "-o", "%T"])
        if text and text.strip():
            return SLURM_STATES.get(text.split()[0], text.split()[0])
        text = run_query(["sacct", "-j", job_id, "-n", "-P", "-X", "--format=State"])
        if text and text.strip():
            return SLURM_STATES.get(text.split()[0].rstrip("+"), text.split()[0])
        text = run_query(["scontrol", "show", "job", job_id])  # accounting off: the controller still remembers it
        match = re.search(r"JobState=(\w+)", text or "")
        return SLURM_STATES.get(match.group(1), match.group(1)) if match else None

    def allocation_first_host(self, env: Mapping[str, str]) -> str | None:
        return first_host(env["SLURM_JOB_NODELIST"]) if env.get("SLURM_JOB_NODELIST") else None

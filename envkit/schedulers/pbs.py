"""PBS Pro (Polaris style): everything envkit knows about it.

Directives: qsub `-N -l select=N:ncpus=C:ngpus=G -l walltime= -A -q -o -j oe`; `qsub SCRIPT` prints the job id;
state from `qstat -x -f` (job_state, Exit_status); `qdel` cancels (Altair PBS Professional reference guide
[check]). Hosts: PBS_NODEFILE, one line per rank slot, first host first (ALCF Polaris docs count nodes with
`wc -l < $PBS_NODEFILE`: https://docs.alcf.anl.gov/polaris/running-jobs/). One task per node: HPE Cray PALS
`mpiexec --ppn 1`.

Example:
    >>> Pbs().cancel_argv("42.polaris")
    ['qdel', '42.polaris']
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from envkit.schedulers.base import JobSpec, Scheduler, read_hosts, register_scheduler, run_query

PBS_STATES = {"Q": "PENDING", "H": "PENDING", "W": "PENDING", "R": "RUNNING", "E": "RUNNING"}


@register_scheduler
class Pbs(Scheduler):
    """PBS Pro (Polaris-like): #PBS directives with `-l select=`, `qsub`, state from `qstat -x -f`."""

    name, display_name, program, prefix = "pbs", "PBS", "qsub", "#PBS"
    first_host = 'head -n 1 "$PBS_NODEFILE"'
    time_directive, account_directive, queue_directive = "-l walltime={}", "-A {}", "-q {}"
    step_launcher = "mpiexec-pals"

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

    def cancel_argv(self, job_id: str) -> list[str]:
        return ["qdel", job_id]

    def state(self, job_id: str) -> str | None:
        text = run_query(["qstat", "-x", "-f", job_id]) or ""
        state = re.search(r"job_state = (\w)", text)
        if not state:
            return None
        if state.group(1) == "F":
            code = re.search(r"Exit_status = (-?\d+)", text)
            return "COMPLETED" if code and code.group(1) == "0" else "FAILED"
        return PBS_STATES.get(state.group(1))

    def allocation_first_host(self, env: Mapping[str, str]) -> str | None:
        hosts = read_hosts("PBS_NODEFILE", env)
        return hosts[0] if hosts else None

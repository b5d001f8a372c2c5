"""IBM LSF (Summit style): everything envkit knows about it.

Directives: bsub `-J -nnodes -W -P -q -o`, the script read from stdin, `Job <ID>` in its output; state from
`bjobs -noheader -o stat`; `bkill` cancels (IBM Spectrum LSF command reference,
https://www.ibm.com/docs/en/spectrum-lsf/10.1.0?topic=reference-command [check]). Hosts: LSB_DJOB_HOSTFILE, one
line per slot; on Summit-style systems the first line is the launch (batch) node, which runs no ranks (OLCF's
batch script examples drop it: https://github.com/olcf-tutorials/Batch-Script-Examples), so a host that appears
once before the compute hosts is skipped [check at each LSF site]. One task per node: jsrun. Open MPI built
for LSF: `--with-lsf`.

Example:
    >>> lsf_walltime("02:00:00")
    '02:00'
    >>> Lsf().cancel_argv("42")
    ['bkill', '42']
"""

from __future__ import annotations

from collections.abc import Mapping

from envkit.schedulers.base import JobSpec, Scheduler, read_hosts, register_scheduler, run_query

LSF_STATES = {"PEND": "PENDING", "RUN": "RUNNING", "DONE": "COMPLETED", "EXIT": "FAILED", "PSUSP": "PENDING",
              "USUSP": "RUNNING", "SSUSP": "RUNNING"}


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


@register_scheduler
class Lsf(Scheduler):
    """IBM LSF (Summit): #BSUB directives, `bsub < script`, state from bjobs."""

    name, display_name, program, prefix = "lsf", "IBM LSF", "bsub", "#BSUB"
    # the second line of LSB_DJOB_HOSTFILE when there is one (see the module's docstring)
    first_host = """awk 'NR <= 2 { host = $1 } NR == 2 { exit } END { print host }' "$LSB_DJOB_HOSTFILE\""""
    time_directive, account_directive, queue_directive = "-W {}", "-P {}", "-q {}"
    job_id_pattern = r"Job <(\d+)>"
    step_launcher = "jsrun"
    openmpi_configure = ("--with-lsf",)

    def walltime(self, time: str) -> str:
        return lsf_walltime(time)

    def directives(self, job: JobSpec) -> list[str]:
        return [f"-J {job.name}", f"-nnodes {job.nodes}", *self.optional_directives(job), f"-o {job.log}",
                *job.extra]

    def submit_argv(self, script: str) -> tuple[list[str], bool]:
        return ["bsub"], True

    def cancel_argv(self, job_id: str) -> list[str]:
        return ["bkill", job_id]

    def state(self, job_id: str) -> str | None:
        text = run_query(["bjobs", "-noheader", "-o", "stat", job_id])
        return LSF_STATES.get(text.split()[0]) if text and text.strip() else None

    def allocation_first_host(self, env: Mapping[str, str]) -> str | None:
        hosts = read_hosts("LSB_DJOB_HOSTFILE", env)
        if len(hosts) > 1 and hosts.count(hosts[0]) == 1:
            hosts = hosts[1:]
        return hosts[0] if hosts else None

"""TACC's ibrun: "Use ibrun to launch MPI codes on TACC systems. Do NOT use mpirun or mpiexec."

Inside a Slurm job it starts the ranks of the loaded MPI (Intel MPI, MVAPICH2, Open MPI) on the job's nodes;
`-n N -o 0` (which "must be used together") starts N ranks from the first hostfile entry, so a run may use fewer
ranks than the job's #SBATCH -n (TACC Lonestar6/Frontera user guides, Launching Applications:
https://docs.tacc.utexas.edu/hpc/lonestar6/). Ranks inherit the job's environment (the guides say not to manage it
with --export), so variables go in front with `env`; ranks per node come from the batch header, which ibrun reads.

Example:
    >>> from envkit.launchers.base import LaunchFacts, LaunchPlan
    >>> Ibrun().argv(LaunchFacts(), LaunchPlan(2, 3, ("python3", "x")))[:5]
    ['ibrun', '-n', '6', '-o', '0']
"""

from __future__ import annotations

from envkit.launchers.base import Launcher, LaunchFacts, LaunchPlan, register_launcher, with_pmi_shim


@register_launcher
class Ibrun(Launcher):
    """TACC's ibrun under Slurm: -n N -o 0, variables through `env`, the PMI shim for MPICH-family ranks."""

    name = "ibrun"
    display_name = "TACC ibrun"
    speaks = None
    needs_scheduler = "slurm"
    needs_master_addr = True

    def argv(self, facts: LaunchFacts, plan: LaunchPlan) -> list[str]:
        out = ["env", *(f"{k}={v}" for k, v in plan.env)] if plan.env else []
        out += [facts.program or "ibrun", "-n", str(plan.world_size), "-o", "0", *facts.args]
        return [*out, *plan.wrapper, *with_pmi_shim(plan.command)]

"""Slurm's srun: one task per GPU, GPUs by --gres or --gpus-per-task as the site asks, --mpi from mpi.pmi.

Spelling: srun(1) `--nodes --ntasks-per-node --cpus-per-task --gres=gpu[:TYPE]:N | --gpus-per-task=N --partition
--account --mpi=pmix|pmi2 --export=ALL,VAR=val` (https://slurm.schedmd.com/srun.html). It starts ranks of any MPI
family through PMIx or PMI-2, needs Slurm, and takes container options of SPANK plugins (pyxis, CSCS's Container
Engine).

Example:
    >>> from envkit.launchers.base import LaunchFacts, LaunchPlan
    >>> Srun().argv(LaunchFacts(pmi="pmix"), LaunchPlan(1, 2, ("python3",)))
    ['srun', '--nodes=1', '--ntasks-per-node=2', '--mpi=pmix', 'python3']
"""

from __future__ import annotations

from envkit.launchers.base import Launcher, LaunchFacts, LaunchPlan, register_launcher


@register_launcher
class Srun(Launcher):
    """Slurm: one task per GPU, GPUs by --gres or --gpus-per-task as the site asks, --mpi from mpi.pmi."""

    name = "srun"
    display_name = "Slurm srun"
    speaks = None
    pmi = ("pmix", "pmi2")
    needs_scheduler = "slurm"
    container_options = True

    def argv(self, facts: LaunchFacts, plan: LaunchPlan) -> list[str]:
        out = [facts.program or "srun", f"--nodes={plan.nodes}", f"--ntasks-per-node={plan.tasks_per_node}"]
        if facts.cpus_per_task:
            out.append(f"--cpus-per-task={facts.cpus_per_task}")
        if plan.gpus_per_task and facts.gpu_request == "gres":
            kind = f"gpu:{facts.gres_type}" if facts.gres_type else "gpu"
            out.append(f"--gres={kind}:{plan.gpus_per_task * plan.tasks_per_node}")
        elif plan.gpus_per_task and facts.gpu_request == "gpus-per-task":
            out.append(f"--gpus-per-task={plan.gpus_per_task}")
        if facts.partition:
            out.append(f"--partition={facts.partition}")
        if facts.account:
            out.append(f"--account={facts.account}")
        if facts.pmi != "none" and not any(a.startswith("--mpi") for a in facts.args):
            out.append(f"--mpi={facts.pmi}")
        if plan.env:
            out.append("--export=ALL," + ",".join(f"{k}={v}" for k, v in plan.env))
        return [*out, *plan.container_options, *facts.args, *plan.wrapper, *plan.command]

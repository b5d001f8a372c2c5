"""HPE Cray PALS mpiexec on PBS (Cray MPICH).

Spelling: ALCF Polaris running-jobs docs (`mpiexec -n N --ppn K --depth D --cpu-bind depth --env VAR=val`,
https://docs.alcf.anl.gov/polaris/running-jobs/) [check the spelling at each site]. It starts MPICH family ranks,
needs PBS, and starts one process per node for a job's torchrun.

Example:
    >>> from envkit.launchers.base import LaunchFacts, LaunchPlan
    >>> MpiexecPals().per_node_argv(LaunchFacts(cpus_per_task=8), LaunchPlan(2, 1, ("torchrun",)))
    ['mpiexec', '-n', '2', '--ppn', '1', '--depth', '8', '--cpu-bind', 'depth', 'torchrun']
"""

from __future__ import annotations

from envkit.launchers.base import Launcher, LaunchFacts, LaunchPlan, register_launcher, with_pmi_shim


@register_launcher
class MpiexecPals(Launcher):
    """HPE Cray PALS mpiexec on PBS (Cray MPICH): -n, --ppn, --depth with --cpu-bind depth, --env VAR=val."""

    name = "mpiexec-pals"
    display_name = "HPE Cray PALS mpiexec"
    speaks = ("mpich",)
    pmi = ("pmi",)
    needs_master_addr = True
    needs_scheduler = "pbs"

    def argv(self, facts: LaunchFacts, plan: LaunchPlan) -> list[str]:
        out = [facts.program or "mpiexec", "-n", str(plan.world_size), "--ppn", str(plan.tasks_per_node)]
        if facts.cpus_per_task:
            out += ["--depth", str(facts.cpus_per_task), "--cpu-bind", "depth"]
        out += [f"--env={key}={value}" for key, value in plan.env]
        return [*out, *facts.args, *plan.wrapper, *with_pmi_shim(plan.command)]

    def per_node_argv(self, facts: LaunchFacts, plan: LaunchPlan) -> list[str]:
        """One process per node, as ALCF's Polaris docs start one per node (no PMI shim: torchrun forks)."""
        cpus = facts.cpus_per_task
        depth = ["--depth", str(cpus), "--cpu-bind", "depth"] if cpus else []
        return ["mpiexec", "-n", str(plan.nodes), "--ppn", "1", *depth, *plan.command]

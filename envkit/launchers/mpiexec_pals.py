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

from collections.abc import Sequence

from envkit.launchers.base import LaunchFacts, LaunchPlan, register_launcher
from envkit.launchers.mpiexec import MpiexecHydra


@register_launcher
class MpiexecPals(MpiexecHydra):
    """HPE Cray PALS mpiexec on PBS (Cray MPICH): -n, --ppn, --depth with --cpu-bind depth, --env VAR=val."""

    name = "mpiexec-pals"
    display_name = "HPE Cray PALS mpiexec"
    needs_scheduler = "pbs"

    def placement(self, facts: LaunchFacts, per_node: int) -> list[str]:
        """`--ppn K`, and `--depth D --cpu-bind depth` where the site gives cpus per task."""
        cpus = facts.cpus_per_task
        return ["--ppn", str(per_node), *(["--depth", str(cpus), "--cpu-bind", "depth"] if cpus else [])]

    def env_options(self, env: Sequence[tuple[str, str]]) -> list[str]:
        return [f"--env={key}={value}" for key, value in env]

    def per_node_argv(self, facts: LaunchFacts, plan: LaunchPlan) -> list[str]:
        """One process per node, as ALCF's Polaris docs start one per node (no PMI shim: torchrun forks)."""
        return ["mpiexec", "-n", str(plan.nodes), *self.placement(facts, 1), *plan.command]

"""MPICH's Hydra mpiexec (MPICH, Intel MPI, MVAPICH2).

Spelling: `mpiexec -n N -ppn K -genv VAR val` (mpich.org, Using the Hydra Process Manager,
https://github.com/pmodels/mpich/blob/main/doc/wiki/how_to/Using_the_Hydra_Process_Manager.md). It starts MPICH
family ranks only and gives them PMI, which envkit.launch.pmi_env maps to torchrun's variables.

Example:
    >>> from envkit.launchers.base import LaunchFacts, LaunchPlan
    >>> MpiexecHydra().argv(LaunchFacts(), LaunchPlan(1, 2, ("python3", "x")))
    ['mpiexec', '-n', '2', '-ppn', '2', 'python3', '-m', 'envkit.launch.pmi_env', 'python3', 'x']
"""

from __future__ import annotations

from collections.abc import Sequence

from envkit.launchers.base import Launcher, LaunchFacts, LaunchPlan, register_launcher, with_pmi_shim


@register_launcher
class MpiexecHydra(Launcher):
    """MPICH's Hydra mpiexec (MPICH, Intel MPI, MVAPICH2): -n, -ppn, -genv VAR val."""

    name = "mpiexec"
    display_name = "MPICH Hydra mpiexec"
    speaks = ("mpich",)
    pmi = ("pmi",)
    needs_master_addr = True

    def argv(self, facts: LaunchFacts, plan: LaunchPlan) -> list[str]:
        return [facts.program or "mpiexec", "-n", str(plan.world_size), *self.placement(facts, plan.tasks_per_node),
                *self.env_options(plan.env), *facts.args, *plan.wrapper, *with_pmi_shim(plan.command)]

    def placement(self, facts: LaunchFacts, per_node: int) -> list[str]:
        """The options that place `per_node` ranks on each node."""
        return ["-ppn", str(per_node)]

    def env_options(self, env: Sequence[tuple[str, str]]) -> list[str]:
        """The options that set each variable in every rank."""
        return [word for key, value in env for word in ("-genv", key, value)]

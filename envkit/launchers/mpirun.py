"""Open MPI's mpirun (the hybrid model: host mpirun, Open MPI in the image).

Spelling: Open MPI mpirun(1) `-np N --map-by ppr:K:node -x VAR=val`
(https://docs.open-mpi.org/en/v5.0.x/man-openmpi/man1/mpirun.1.html). It starts Open MPI family ranks only and
needs no scheduler.

Example:
    >>> from envkit.launchers.base import LaunchFacts, LaunchPlan
    >>> MpirunOpenMpi().argv(LaunchFacts(), LaunchPlan(1, 2, ("python3",), env=(("A", "1"),)))
    ['mpirun', '-np', '2', '--map-by', 'ppr:2:node', '-x', 'A=1', 'python3']
"""

from __future__ import annotations

from envkit.launchers.base import Launcher, LaunchFacts, LaunchPlan, register_launcher


@register_launcher
class MpirunOpenMpi(Launcher):
    """Open MPI's mpirun (the hybrid model: host mpirun, Open MPI in the image); -x forwards variables."""

    name = "mpirun"
    display_name = "Open MPI mpirun"
    speaks = ("openmpi",)

    def argv(self, facts: LaunchFacts, plan: LaunchPlan) -> list[str]:
        out = [facts.program or "mpirun", "-np", str(plan.world_size), "--map-by",
               f"ppr:{plan.tasks_per_node}:node", *facts.args]
        for key, value in plan.env:
            out += ["-x", f"{key}={value}"]
        return [*out, *plan.wrapper, *plan.command]

"""IBM LSF's jsrun (Summit): one resource set per rank, each with its GPU and cores.

Spelling: IBM Job Step Manager `jsrun -n N -r K -a 1 -c C -g G --env VAR=val` and `--smpiargs`
(https://www.ibm.com/docs/en/spectrum-lsf/10.1.0?topic=jsrun [check]). It starts Spectrum MPI (Open MPI family)
ranks and needs LSF.

Example:
    >>> from envkit.launchers.base import LaunchFacts, LaunchPlan
    >>> Jsrun().argv(LaunchFacts(), LaunchPlan(2, 6, ("python3",), gpus_per_task=1))
    ['jsrun', '-n12', '-r6', '-a1', '-c1', '-g1', 'python3']
"""

from __future__ import annotations

from envkit.launchers.base import Launcher, LaunchFacts, LaunchPlan, register_launcher


@register_launcher
class Jsrun(Launcher):
    """LSF jsrun: one resource set per rank, each with its GPU and cores (Summit style)."""

    name = "jsrun"
    display_name = "IBM jsrun"
    speaks = ("openmpi",)
    needs_scheduler = "lsf"

    def argv(self, facts: LaunchFacts, plan: LaunchPlan) -> list[str]:
        out = [facts.program or "jsrun", *facts.args, f"-n{plan.world_size}", f"-r{plan.tasks_per_node}",
               "-a1", f"-c{facts.cpus_per_task or 1}", f"-g{plan.gpus_per_task}"]
        out += [f"--env={key}={value}" for key, value in plan.env]
        return [*out, *plan.wrapper, *plan.command]

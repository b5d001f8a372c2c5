"""torchrun inside the container: it forks the ranks itself, so the container wrapper goes outside.

Spelling: torchrun (https://pytorch.org/docs/stable/elastic/run.html) `--nnodes --nproc_per_node --standalone`,
across nodes `--rdzv-backend=c10d --rdzv-endpoint=HOST:PORT --rdzv-id`. Across nodes one torchrun per node is
started by the job's scheduler (its step launcher: srun, jsrun, PALS mpiexec) and they meet at the allocation's
first host, on the port of envkit.launch.hosts.rendezvous_port. Needs no MPI.

Example:
    >>> from envkit.launchers.base import LaunchFacts, LaunchPlan
    >>> Torchrun().argv(LaunchFacts(), LaunchPlan(1, 2, ("python3", "-m", "envkit.train")))
    ['torchrun', '--nnodes=1', '--nproc_per_node=2', '--standalone', '-m', 'envkit.train']
"""

from __future__ import annotations

from dataclasses import replace

from envkit.errors import EnvkitError
from envkit.launchers.base import Launcher, LaunchFacts, LaunchPlan, get_launcher, register_launcher


def one_per_node(facts: LaunchFacts, plan: LaunchPlan, command: list[str]) -> list[str]:
    """Start `command` once on each node of the job, the way the site's scheduler starts job steps (its
    `step_launcher`), with all of the node's GPUs and the cores of its ranks (torchrun forks the node's ranks
    itself). Without a scheduler the line is the one node's own: the user starts it on every node (with
    ENVKIT_MASTER_ADDR naming the first).
    """
    from envkit.registry import SCHEDULERS

    step = SCHEDULERS.get(facts.scheduler).step_launcher if facts.scheduler in SCHEDULERS else None
    if step is None:
        return command
    gpus = plan.gpus_per_task * plan.tasks_per_node
    cpus = facts.cpus_per_task * plan.tasks_per_node if facts.cpus_per_task else None
    per_node = LaunchPlan(nodes=plan.nodes, tasks_per_node=1, command=tuple(command), gpus_per_task=gpus)
    bare = replace(facts, program=None, args=(), pmi="none", cpus_per_task=cpus)  # the site's args are torchrun's
    return get_launcher(step).per_node_argv(bare, per_node)


@register_launcher
class Torchrun(Launcher):
    """torchrun inside the container: it forks the ranks itself, so the wrapper goes outside; across nodes one
    torchrun per node (started by the scheduler, `one_per_node`) meets the others at the rendezvous host."""

    name = "torchrun"
    display_name = "torchrun"
    speaks = None
    rendezvous = True

    def argv(self, facts: LaunchFacts, plan: LaunchPlan) -> list[str]:
        command = list(plan.command)
        if command and command[0] in ("python", "python3"):
            command = command[1:]
        out = [*plan.wrapper]
        if plan.env:
            out = ["env", *(f"{k}={v}" for k, v in plan.env), *out]
        out += [facts.program or "torchrun", f"--nnodes={plan.nodes}", f"--nproc_per_node={plan.tasks_per_node}"]
        if plan.nodes == 1:
            return [*out, "--standalone", *facts.args, *command]
        if not plan.rendezvous:
            raise EnvkitError("torchrun on more than one node needs a rendezvous host: run inside the job "
                              "allocation (Slurm, LSF or PBS), submit it as a batch job (envkit submit), or set "
                              "ENVKIT_MASTER_ADDR to the first node's name")
        out += ["--rdzv-backend=c10d", f"--rdzv-endpoint={plan.rendezvous}", "--rdzv-id=envkit"]
        return one_per_node(facts, plan, [*out, *facts.args, *command])

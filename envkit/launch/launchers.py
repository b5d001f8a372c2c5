"""The built-in launchers, one small class per launcher and MPI family (ReFrame's mpirun-openmpi /
mpirun-intelmpi split): srun (Slurm), jsrun (LSF), mpirun (Open MPI), mpiexec (MPICH Hydra: MPICH, Intel
MPI, MVAPICH2), mpiexec-pals (HPE Cray PALS on PBS), ibrun (TACC), torchrun.

Option spellings: Slurm srun(1) (`--mpi=pmix|pmi2`); IBM jsrun docs (`-n -r -a -c -g`, `--smpiargs`);
Open MPI mpirun(1) (`-np`, `--map-by ppr:K:node`, `-x VAR=val`); MPICH Hydra `mpiexec -n N -ppn K
-genv VAR val` (mpich.org Using the Hydra Process Manager); ALCF Polaris running-jobs docs for PALS
(`mpiexec -n N --ppn K --depth D --cpu-bind depth --env VAR=val`) [check the spelling at each site].

Example:
    >>> from envkit.profile import load_profile
    >>> from envkit.launch.base import LaunchPlan, launch_argv
    >>> plan = LaunchPlan(nodes=1, tasks_per_node=2, command=("python", "-c", "pass"))
    >>> launch_argv(load_profile("local"), plan)[:4]
    ['mpirun', '-np', '2', '--map-by']
    >>> launch_argv(load_profile("local-mpich"), plan)[:5]
    ['mpiexec.mpich', '-n', '2', '-ppn', '2']
"""

from __future__ import annotations

from dataclasses import replace

from envkit.errors import EnvkitError
from envkit.launch.base import Launcher, LaunchFacts, LaunchPlan, register_launcher

# Ranks started by an MPICH-family launcher only get PMI_RANK/PMI_SIZE; this module maps them to the
# torchrun names (RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR/PORT) before running the rank's command.
PMI_SHIM = "envkit.launch.pmi_env"


def with_pmi_shim(command: tuple[str, ...]) -> list[str]:
    """`python -m envkit.train ...` -> `python -m envkit.launch.pmi_env python -m envkit.train ...`."""
    return [command[0], "-m", PMI_SHIM, *command] if command else []


@register_launcher
class Srun(Launcher):
    """Slurm: one task per GPU, GPUs by --gres or --gpus-per-task as the site asks, --mpi from mpi.pmi."""

    name = "srun"

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
        return [*out, *facts.args, *plan.wrapper, *plan.command]


@register_launcher
class Jsrun(Launcher):
    """LSF jsrun: one resource set per rank, each with its GPU and cores (Summit style)."""

    name = "jsrun"

    def argv(self, facts: LaunchFacts, plan: LaunchPlan) -> list[str]:
        out = [facts.program or "jsrun", *facts.args, f"-n{plan.world_size}", f"-r{plan.tasks_per_node}",
               "-a1", f"-c{facts.cpus_per_task or 1}", f"-g{plan.gpus_per_task}"]
        out += [f"--env={key}={value}" for key, value in plan.env]
        return [*out, *plan.wrapper, *plan.command]


@register_launcher
class MpirunOpenMpi(Launcher):
    """Open MPI's mpirun (the hybrid model: host mpirun, Open MPI in the image); -x forwards variables."""

    name = "mpirun"

    def argv(self, facts: LaunchFacts, plan: LaunchPlan) -> list[str]:
        out = [facts.program or "mpirun", "-np", str(plan.world_size), "--map-by",
               f"ppr:{plan.tasks_per_node}:node", *facts.args]
        for key, value in plan.env:
            out += ["-x", f"{key}={value}"]
        return [*out, *plan.wrapper, *plan.command]


@register_launcher
class MpiexecHydra(Launcher):
    """MPICH's Hydra mpiexec (MPICH, Intel MPI, MVAPICH2): -n, -ppn, -genv VAR val."""

    name = "mpiexec"
    needs_master_addr = True

    def argv(self, facts: LaunchFacts, plan: LaunchPlan) -> list[str]:
        out = [facts.program or "mpiexec", "-n", str(plan.world_size), "-ppn", str(plan.tasks_per_node)]
        for key, value in plan.env:
            out += ["-genv", key, value]
        return [*out, *facts.args, *plan.wrapper, *with_pmi_shim(plan.command)]


@register_launcher
class MpiexecPals(Launcher):
    """HPE Cray PALS mpiexec on PBS (Cray MPICH): -n, --ppn, --depth with --cpu-bind depth, --env VAR=val."""

    name = "mpiexec-pals"
    needs_master_addr = True

    def argv(self, facts: LaunchFacts, plan: LaunchPlan) -> list[str]:
        out = [facts.program or "mpiexec", "-n", str(plan.world_size), "--ppn", str(plan.tasks_per_node)]
        if facts.cpus_per_task:
            out += ["--depth", str(facts.cpus_per_task), "--cpu-bind", "depth"]
        out += [f"--env={key}={value}" for key, value in plan.env]
        return [*out, *facts.args, *plan.wrapper, *with_pmi_shim(plan.command)]


@register_launcher
class Ibrun(Launcher):
    """TACC's ibrun: "Use ibrun to launch MPI codes on TACC systems. Do NOT use mpirun or mpiexec." Inside a
    Slurm job it starts the ranks of the loaded MPI (Intel MPI, MVAPICH2, Open MPI) on the job's nodes; `-n N -o 0`
    (which "must be used together") starts N ranks from the first hostfile entry, so a run may use fewer ranks
    than the job's #SBATCH -n (TACC Frontera/Lonestar6 user guides, Launching Applications:
    https://docs.tacc.utexas.edu/hpc/lonestar6/#running-launching). Ranks inherit the job's environment (the guides
    say not to manage it with --export), so variables go in front with `env`. Ranks per node come from the
    batch header (#SBATCH --ntasks-per-node), which ibrun reads."""

    name = "ibrun"
    needs_master_addr = True

    def argv(self, facts: LaunchFacts, plan: LaunchPlan) -> list[str]:
        out = ["env", *(f"{k}={v}" for k, v in plan.env)] if plan.env else []
        out += [facts.program or "ibrun", "-n", str(plan.world_size), "-o", "0", *facts.args]
        return [*out, *plan.wrapper, *with_pmi_shim(plan.command)]


def one_per_node(facts: LaunchFacts, plan: LaunchPlan, command: list[str]) -> list[str]:
    """Start `command` once on each node of the job, the way the site's scheduler starts job steps, with all of
    the node's GPUs and the cores of its ranks (torchrun forks the node's ranks itself).

    Slurm: srun(1) `--nodes=N --ntasks-per-node=1`; LSF: jsrun with one resource set per node (`-nN -r1 -a1`,
    IBM Job Step Manager); PBS Pro: `mpiexec -n N --ppn 1` as ALCF's Polaris docs start one process per node
    with HPE Cray PALS [check the spelling at a PBS site without PALS]. Without a scheduler the line is the one
    node's own: the user starts it on every node (with ENVKIT_MASTER_ADDR naming the first).
    """
    gpus = plan.gpus_per_task * plan.tasks_per_node
    cpus = facts.cpus_per_task * plan.tasks_per_node if facts.cpus_per_task else None
    per_node = LaunchPlan(nodes=plan.nodes, tasks_per_node=1, command=tuple(command), gpus_per_task=gpus)
    bare = replace(facts, program=None, args=(), pmi="none", cpus_per_task=cpus)  # the site's args are torchrun's
    if facts.scheduler == "slurm":
        return Srun().argv(bare, per_node)
    if facts.scheduler == "lsf":
        return Jsrun().argv(bare, per_node)
    if facts.scheduler == "pbs":
        depth = ["--depth", str(cpus), "--cpu-bind", "depth"] if cpus else []
        return ["mpiexec", "-n", str(plan.nodes), "--ppn", "1", *depth, *command]
    return command


@register_launcher
class Torchrun(Launcher):
    """torchrun inside the container: it forks the ranks itself, so the wrapper goes outside; across nodes one
    torchrun per node (started by the scheduler, `one_per_node`) meets the others at the rendezvous host."""

    name = "torchrun"

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

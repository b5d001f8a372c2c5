"""The built-in launchers: srun (Slurm), jsrun (LSF), mpirun (Open MPI), torchrun.

Example:
    >>> from envkit.profile import load_profile
    >>> from envkit.launch.base import LaunchPlan, launch_argv
    >>> plan = LaunchPlan(nodes=1, tasks_per_node=2, command=("python", "-c", "pass"))
    >>> launch_argv(load_profile("local"), plan)[:4]
    ['mpirun', '-np', '2', '--map-by']
"""

from __future__ import annotations

from envkit.errors import EnvkitError
from envkit.launch.base import Launcher, LaunchPlan, register_launcher
from envkit.profile.model import Profile


def site_args(profile: Profile, launcher: str) -> list[str]:
    """The profile's own launcher arguments, only when the profile's launcher is this one."""
    return list(profile.launcher.args) if profile.launcher.kind == launcher else []


@register_launcher
class Srun(Launcher):
    """Slurm: one task per GPU, GPUs by --gres or --gpus-per-task as the site asks."""

    name = "srun"

    def argv(self, profile: Profile, plan: LaunchPlan) -> list[str]:
        launcher, sched = profile.launcher, profile.scheduler
        out = ["srun", f"--nodes={plan.nodes}", f"--ntasks-per-node={plan.tasks_per_node}"]
        if launcher.cpus_per_task:
            out.append(f"--cpus-per-task={launcher.cpus_per_task}")
        if plan.gpus_per_task and launcher.gpu_request == "gres":
            kind = f"gpu:{launcher.gres_type}" if launcher.gres_type else "gpu"
            out.append(f"--gres={kind}:{plan.gpus_per_task * plan.tasks_per_node}")
        elif plan.gpus_per_task and launcher.gpu_request == "gpus-per-task":
            out.append(f"--gpus-per-task={plan.gpus_per_task}")
        if sched.partition:
            out.append(f"--partition={sched.partition}")
        if sched.account:
            out.append(f"--account={sched.account}")
        if plan.env:
            out.append("--export=ALL," + ",".join(f"{k}={v}" for k, v in plan.env))
        return [*out, *site_args(profile, self.name), *plan.wrapper, *plan.command]


@register_launcher
class Jsrun(Launcher):
    """LSF jsrun: one resource set per rank, each with its GPU and cores (Summit style)."""

    name = "jsrun"

    def argv(self, profile: Profile, plan: LaunchPlan) -> list[str]:
        cpus = profile.launcher.cpus_per_task or 1
        out = ["jsrun", *site_args(profile, self.name), f"-n{plan.world_size}", f"-r{plan.tasks_per_node}",
               "-a1", f"-c{cpus}", f"-g{plan.gpus_per_task}"]
        for key, value in plan.env:
            out.append(f"--env={key}={value}")
        return [*out, *plan.wrapper, *plan.command]


@register_launcher
class Mpirun(Launcher):
    """Open MPI's mpirun (the hybrid model: host mpirun, MPI in the image)."""

    name = "mpirun"

    def argv(self, profile: Profile, plan: LaunchPlan) -> list[str]:
        out = ["mpirun", "-np", str(plan.world_size), "--map-by", f"ppr:{plan.tasks_per_node}:node",
               *site_args(profile, self.name)]
        for key, value in plan.env:
            out += ["-x", f"{key}={value}"]
        return [*out, *plan.wrapper, *plan.command]


@register_launcher
class Torchrun(Launcher):
    """torchrun inside the container: it forks the ranks itself, so the wrapper goes outside."""

    name = "torchrun"

    def argv(self, profile: Profile, plan: LaunchPlan) -> list[str]:
        command = list(plan.command)
        if command and command[0] in ("python", "python3"):
            command = command[1:]
        out = [*plan.wrapper]
        if plan.env:
            out = ["env", *(f"{k}={v}" for k, v in plan.env), *out]
        out += ["torchrun", f"--nnodes={plan.nodes}", f"--nproc_per_node={plan.tasks_per_node}"]
        if plan.nodes == 1:
            out.append("--standalone")
        elif plan.rendezvous:
            out += ["--rdzv-backend=c10d", f"--rdzv-endpoint={plan.rendezvous}", "--rdzv-id=envkit"]
        else:
            raise EnvkitError("torchrun on more than one node needs a rendezvous host: run inside the job "
                              "allocation (Slurm) or set ENVKIT_MASTER_ADDR to the first node's name")
        return [*out, *site_args(profile, self.name), *command]

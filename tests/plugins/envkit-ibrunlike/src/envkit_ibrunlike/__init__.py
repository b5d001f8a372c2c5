"""An ibrun-style launcher for envkit, under its own name (envkit ships TACC's ibrun built in, so a plugin may not
take that name; ibrun starts the tasks Slurm allocated to the job: https://docs.tacc.utexas.edu/hpc/stampede3/#running-mpi)."""

from envkit.launchers.base import Launcher, LaunchFacts, LaunchPlan


class Ibrun(Launcher):
    """ibrun -n N -o 0: N tasks from offset 0 of the job's allocation; variables passed with env."""

    name = "ibrunlike"            # the entry point's name, what profiles write as launcher.kind
    display_name = "TACC ibrun"
    speaks = None                 # any MPI family (ibrun wraps the site's MPI launch)
    needs_scheduler = "slurm"

    def argv(self, facts: LaunchFacts, plan: LaunchPlan) -> list[str]:
        env = ["env", *(f"{key}={value}" for key, value in plan.env)] if plan.env else []
        return [facts.program or "ibrun", "-n", str(plan.world_size), "-o", "0", *facts.args,
                *env, *plan.wrapper, *plan.command]

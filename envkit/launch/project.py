"""How a project's ranks start: its folder bound at PROJECT_DIR, the rank wrapper in front of its command, and
the run's identity in the environment. `envkit.launch.run.compose` calls these for a project request, so
`envkit run`, `envkit submit` and the docs share one launch line.

Each rank runs `python3 -m envkit.launch.pmi_env COMMAND...`: the wrapper sets RANK, WORLD_SIZE, LOCAL_RANK,
LOCAL_WORLD_SIZE, MASTER_ADDR and MASTER_PORT from the launcher's own variables (srun, jsrun, mpirun, mpiexec;
torchrun sets them itself), changes to the bound project folder and becomes COMMAND.

Example:
    >>> from envkit.launch.run import RunRequest
    >>> req = RunRequest(site="local", workload="demo", project=Path("/home/u/demo"), run_id="demo-1",
    ...                  args=["python", "train.py"])
    >>> project_command(req.args)
    ['python3', '-m', 'envkit.launch.pmi_env', 'python', 'train.py']
    >>> project_binds(req)
    ('/home/u/demo:/opt/envkit/project',)
    >>> dict(project_env(req, 2))["ENVKIT_RESULTS"]
    '/opt/envkit/results/demo-1'
"""

from __future__ import annotations

from pathlib import Path

from envkit.errors import EnvkitError
from envkit.launch.pmi_env import PMI_SHIM_MODULE, master_port
from envkit.paths import RESULTS
from envkit.recipe.project_layer import PROJECT_DIR


def project_command(args: list[str]) -> list[str]:
    """The command each rank runs: the rank wrapper, then the user's command."""
    if not args:
        raise EnvkitError("give the command to run after `--` (e.g. -- python train.py), or set `command:` in "
                          "the project's envkit.yaml")
    return ["python3", "-m", PMI_SHIM_MODULE, *args]


def project_binds(req) -> tuple[str, ...]:
    """The project's folder, bound read-write at PROJECT_DIR (its code is never copied into the image)."""
    from envkit.profile.safety import bind_problem

    folder = str(Path(req.project).resolve())
    spec = f"{folder}:{PROJECT_DIR}"
    why = bind_problem(spec + ":rw")  # the run may write into its folder
    if why or "," in folder or ":" in folder:
        raise EnvkitError(f"project folder {folder}: cannot be bound into the image ({why or 'a , or : in its name'})")
    return (spec,)


def project_env(req, world_size: int) -> tuple[tuple[str, str], ...]:
    """What every rank gets besides the site's environment: where to start, the run's id, port and results."""
    run_id = req.run_id or ""
    return (("ENVKIT_WORKDIR", PROJECT_DIR), ("ENVKIT_RUN_ID", run_id),
            ("ENVKIT_RESULTS", f"{RESULTS}/{run_id}"), ("ENVKIT_WORLD_SIZE", str(world_size)),
            ("ENVKIT_MASTER_PORT", str(master_port(["--run-id", run_id]))))

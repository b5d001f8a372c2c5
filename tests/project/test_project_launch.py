"""A project's launch line, for every launcher: the site's launcher and binds, the project folder bound at run
time, and the rank wrapper (envkit.launch.pmi_env) before the user's command, which sets the torchrun variables
from the launcher's own."""

from __future__ import annotations

from pathlib import Path

import pytest

from envkit.engines.base import get_engine
from envkit.launch.pmi_env import launcher_ranks, torch_env
from envkit.launch.run import ImageRef, RunRequest, compose
from envkit.profile import load_profile
from envkit.recipe.project_layer import PROJECT_DIR

IMAGE = "/store/img/envkit-x-project-demo"


def _line(site: str, tmp_path: Path, launcher: str | None = None, nodes: int = 1) -> list[str]:
    profile = load_profile(site)
    ref = ImageRef(engine=get_engine(profile.container.engine), image=IMAGE)
    req = RunRequest(site=site, workload="demo", project=tmp_path, run_id="demo-1", results=tmp_path / "res",
                     args=["python", "train.py", "--lr", "0.1"], launcher=launcher, nodes=nodes)
    return compose(profile, req, ref, in_job_script=True)


@pytest.mark.parametrize("site, launcher, program", [
    ("local", None, "mpirun"), ("local-mpich", None, "mpiexec.mpich"), ("local-slurm", None, "srun"),
    ("summit", None, "jsrun"), ("local", "torchrun", None), ("hal", None, "srun"),
])
def test_every_launcher_starts_the_rank_wrapper_then_the_command(tmp_path: Path, site: str, launcher: str | None,
                                                                   program: str | None) -> None:
    argv = _line(site, tmp_path, launcher)
    if program:
        assert argv[0] == program
    assert argv[-4:] == ["python", "train.py", "--lr", "0.1"]
    assert "envkit.launch.pmi_env" in argv                 # RANK, WORLD_SIZE, ... from the launcher's variables
    bound = f"{tmp_path}:{PROJECT_DIR}"
    assert any(bound in word for word in argv), argv       # the code is bound, never copied
    line = " ".join(argv)
    assert "ENVKIT_WORKDIR" in line and "ENVKIT_MASTER_PORT" in line  # forwarded to every rank
    assert IMAGE in argv


def test_the_bundled_workloads_keep_their_runner(tmp_path: Path) -> None:
    profile = load_profile("local")
    req = RunRequest(site="local", workload="aigw", np=2, run_id="r1", results=tmp_path, args=["--steps", "2"])
    argv = compose(profile, req, python="python3")
    assert "envkit.train" in argv and "envkit.launch.pmi_env" not in argv


@pytest.mark.parametrize("env, expected", [
    ({"OMPI_COMM_WORLD_RANK": "1", "OMPI_COMM_WORLD_SIZE": "2", "OMPI_COMM_WORLD_LOCAL_RANK": "1",
      "OMPI_COMM_WORLD_LOCAL_SIZE": "2"}, ("1", "2", "1", "2")),
    ({"PMI_RANK": "3", "PMI_SIZE": "4", "MPI_LOCALRANKID": "1", "MPI_LOCALNRANKS": "2"}, ("3", "4", "1", "2")),
    ({"JSM_NAMESPACE_RANK": "5", "JSM_NAMESPACE_SIZE": "12", "JSM_NAMESPACE_LOCAL_RANK": "5",
      "JSM_NAMESPACE_LOCAL_SIZE": "6"}, ("5", "12", "5", "6")),
    ({"SLURM_PROCID": "2", "SLURM_NTASKS": "4", "SLURM_LOCALID": "0", "SLURM_STEP_ID": "0",
      "SLURM_STEP_TASKS_PER_NODE": "2(x2)"}, ("2", "4", "0", "2")),
])
def test_each_launchers_variables_become_torchruns(env: dict[str, str], expected: tuple[str, ...]) -> None:
    assert launcher_ranks(env) == expected
    out = torch_env({**env, "SLURM_JOB_NODELIST": "node[07-08]", "ENVKIT_MASTER_PORT": "23456"}, [])
    assert (out["RANK"], out["WORLD_SIZE"], out["LOCAL_RANK"], out["LOCAL_WORLD_SIZE"]) == expected
    assert out["MASTER_ADDR"] == "node07" and out["MASTER_PORT"] == "23456"


def test_torchrun_variables_are_left_alone() -> None:
    env = {"RANK": "1", "WORLD_SIZE": "2", "LOCAL_RANK": "1", "MASTER_ADDR": "a", "MASTER_PORT": "1",
           "OMPI_COMM_WORLD_RANK": "0", "OMPI_COMM_WORLD_SIZE": "2"}
    assert torch_env(env, []) == {}


def test_one_node_without_a_scheduler_meets_on_this_host() -> None:
    out = torch_env({"OMPI_COMM_WORLD_RANK": "0", "OMPI_COMM_WORLD_SIZE": "2"}, ["--run-id", "r"])
    assert out["MASTER_ADDR"] == "127.0.0.1" and out["MASTER_PORT"].isdigit()


@pytest.mark.parametrize("site", ["local", "local-slurm", "summit", "delta", "hal"])
def test_the_project_page_shows_the_sites_launch_line_and_what_cannot_be_locked(site: str) -> None:
    from envkit.docs.project_page import project_page
    from envkit.lock.inputs import site_inputs

    page = project_page(site)
    profile = load_profile(site)
    line = next(line for line in page.splitlines() if "envkit.launch.pmi_env python train.py" in line)
    assert line.split()[0] == (profile.launcher.program or profile.launcher.kind)
    assert ("Not possible" in page) == (not site_inputs(profile)[0].resolvable)
    assert "/work/" not in page and str(Path.cwd()) not in page  # no machine paths


def test_the_rank_wrapper_imports_from_the_shim_files_alone_without_pydantic_or_yaml(tmp_path: Path) -> None:
    """The project image holds only SHIM_FILES of envkit (its base has no pydantic or PyYAML): they must be
    enough for the wrapper, and it must map Open MPI's variables."""
    import shutil
    import subprocess
    import sys

    from envkit.recipe.project_layer import SHIM_FILES
    from envkit.resources import locate

    for rel in SHIM_FILES:
        target = tmp_path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if locate(rel).is_dir():
            shutil.copytree(locate(rel), target, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(locate(rel), target)
    for package in ("envkit", "envkit/launch"):
        (tmp_path / package / "__init__.py").write_text("")  # as the post script writes them
    code = ("import sys; sys.modules.update(pydantic=None, yaml=None, torch=None); sys.path.insert(0, sys.argv[1]); "
            "from envkit.launch.pmi_env import torch_env; "
            "print(torch_env({'OMPI_COMM_WORLD_RANK': '1', 'OMPI_COMM_WORLD_SIZE': '2'}, [])['RANK'])")
    proc = subprocess.run([sys.executable, "-I", "-c", code, str(tmp_path)], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0 and proc.stdout.strip() == "1", proc.stderr[-2000:]

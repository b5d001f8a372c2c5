"""`envkit run` composes launcher + engine exec + runner as one argv; no shell ever parses a value."""

from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from envkit.engines.base import get_engine
from envkit.errors import EnvkitError
from envkit.launch.run import ImageRef, RunRequest, compose, ranks, read_summary, workload_name
from envkit.profile import load_profile

from .conftest import envkit

HOSTILE = "lr=$(touch /tmp/envkit-pwned); `id`; echo 'x\"y'\nz"


def _container(engine: str = "charliecloud", image: str = "/store/img/envkit-local-aigw",
               gpu: bool = False) -> ImageRef:
    return ImageRef(engine=get_engine(engine), image=image, binds=("/scratch",), gpu=gpu, manifest_hash="abc123")


def test_local_two_ranks_run_inside_charliecloud_with_host_rank_variables(tmp_path: Path) -> None:
    req = RunRequest(site="local", workload="workloads/aigw", np=2, results=tmp_path, run_id="r1",
                     args=["--preset", "smoke", "--steps", "20"])
    argv = compose(load_profile("local"), req, _container())
    assert argv[:3] == ["mpirun", "-np", "2"]
    forwarded = [argv[i + 1] for i, a in enumerate(argv[:argv.index("ch-run")]) if a == "-x"]
    assert "--allow-run-as-root" in argv and "OMP_NUM_THREADS=1" in forwarded
    assert "OMPI_MCA_btl_vader_single_copy_mechanism=none" in forwarded
    ch = argv.index("ch-run")
    # the launcher's OMPI_*/PMIX_* variables must reach the ranks: no blanket --unset-env=*
    assert "--unset-env=*" not in argv and "--unset-env=VIRTUAL_ENV" in argv
    assert argv[argv.index("-b", ch) + 1] == "/scratch"
    assert f"{tmp_path.resolve()}:/opt/envkit/results" in argv
    inner = argv[argv.index("--", ch) + 1:]
    assert inner[:4] == ["python3", "-m", "envkit.train", "aigw"]
    assert inner[inner.index("--results") + 1] == "/opt/envkit/results"
    assert inner[inner.index("--engine") + 1] == "charliecloud"
    assert inner[inner.index("--manifest-hash") + 1] == "abc123"
    assert inner[inner.index("--dist") + 1] == "ddp"
    assert inner[-4:] == ["--preset", "smoke", "--steps", "20"]
    assert argv[argv.index("--run-id") + 1] == "r1"


def test_a_named_dist_is_kept_and_one_rank_gets_no_ddp(tmp_path: Path) -> None:
    p = load_profile("local")
    two = compose(p, RunRequest(site="local", workload="aigw", np=2, results=tmp_path, args=["--dist=horovod"]))
    assert "ddp" not in two and two[-1] == "--dist=horovod"
    one = compose(p, RunRequest(site="local", workload="aigw", np=1, results=tmp_path))
    assert "--dist" not in one


def test_summit_uses_jsrun_smpiargs_and_apptainer_nv(tmp_path: Path) -> None:
    req = RunRequest(site="summit", workload="resnet50", nodes=2, results=tmp_path, run_id="r")
    argv = compose(load_profile("summit"), req, _container("apptainer", "/store/envkit-summit-resnet50.sif", gpu=True))
    assert argv[0] == "jsrun" and "--smpiargs=-gpu" in argv and "-n12" in argv and "-g1" in argv
    ex = argv.index("exec")
    assert argv[ex - 1] == "apptainer" and argv[ex + 1] == "--nv"
    assert argv[ex + 3].endswith(f",{tmp_path.resolve()}:/opt/envkit/results")


def test_slurm_site_uses_srun_with_pmix(tmp_path: Path) -> None:
    argv = compose(load_profile("local-slurm"), RunRequest(site="local-slurm", workload="aides", np=2,
                                                             results=tmp_path), python=sys.executable)
    assert argv[:3] == ["srun", "--nodes=1", "--ntasks-per-node=2"]
    assert "--mpi=pmix" in argv and "--partition=debug" in argv
    inner = argv[argv.index(sys.executable):]
    assert inner[inner.index("--engine") + 1] == "none"
    assert inner[inner.index("--results") + 1] == str(tmp_path.resolve())


def test_hostile_runner_arguments_stay_single_argv_elements(tmp_path: Path) -> None:
    argv = compose(load_profile("local"), RunRequest(site="local", workload="aigw", np=2, results=tmp_path,
                                                     args=["--set", HOSTILE]), _container())
    assert argv[-1] == HOSTILE and argv[-2] == "--set"
    # The printed line (what --dry-run shows and a batch script holds) run by a real shell, with printf in
    # the launcher's place: each element comes back whole and the planted command never runs.
    mark = tmp_path / "pwned"
    line = shlex.join(["printf", "%s\\0", *argv[1:]]).replace("/tmp/envkit-pwned", str(mark))
    shown = subprocess.run(["bash", "-c", line], capture_output=True, text=True, check=True).stdout
    expected = [a.replace("/tmp/envkit-pwned", str(mark)) for a in argv[1:]]
    assert shown.split("\0")[:-1] == expected
    assert not mark.exists()


@pytest.mark.parametrize(("np_", "nodes", "message"), [
    (3, 2, "does not spread evenly"), (0, 1, "does not spread evenly"), (None, 0, "--nodes must be >= 1"),
])
def test_bad_rank_counts_are_clear_errors(np_: int | None, nodes: int, message: str) -> None:
    with pytest.raises(EnvkitError, match=message):
        ranks(load_profile("hal"), RunRequest(site="hal", workload="aigw", np=np_, nodes=nodes))


def test_default_ranks_are_the_profile_ranks_per_node() -> None:
    assert ranks(load_profile("hal"), RunRequest(site="hal", workload="aigw", nodes=3)) == (3, 4)
    assert ranks(load_profile("local"), RunRequest(site="local", workload="aigw")) == (1, 2)


def test_workload_names_and_unknown_workloads() -> None:
    assert workload_name("workloads/resnet50/") == "resnet50"
    with pytest.raises(EnvkitError, match="unknown workload 'nope'"):
        workload_name("nope")


def test_read_summary_needs_the_metrics_and_its_keys(tmp_path: Path) -> None:
    with pytest.raises(EnvkitError, match="metrics.json: no such file"):
        read_summary(tmp_path, "r")
    (tmp_path / "r").mkdir()
    (tmp_path / "r" / "metrics.json").write_text('{"summary": {"workload": "aigw"}}')
    with pytest.raises(EnvkitError, match="metrics.json: status: Field required"):
        read_summary(tmp_path, "r")
    (tmp_path / "r" / "metrics.json").write_text('{"status": "running", "workload": "aigw", "world_size": 1}')
    with pytest.raises(EnvkitError, match="no summary"):
        read_summary(tmp_path, "r")


def test_cli_dry_run_prints_the_exact_command_and_builds_nothing(tmp_path: Path) -> None:
    proc = envkit("run", "--site", "local", "workloads/aigw", "--np", "2", "--dry-run", "--store", str(tmp_path / "s"),
                  "--results", str(tmp_path / "res"), "--run-id", "dry", "--", "--preset", "smoke", "--steps", "20")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("mpirun -np 2 ")
    assert "ch-run" in lines[0] and lines[0].endswith("--run-id dry --dist ddp --preset smoke --steps 20")
    assert "not up to date" in proc.stderr
    assert not (tmp_path / "s").exists() and not (tmp_path / "res").exists()


@pytest.mark.parametrize(("args", "message"), [
    (["run", "--site", "local", "nosuch", "--dry-run"], "unknown workload 'nosuch'"),
    (["run", "--site", "nosite", "aigw", "--dry-run"], "unknown site 'nosite'"),
    (["run", "--site", "local", "aigw", "--steps", "3"], "No such option: --steps"),
    (["run", "--site", "local", "aigw", "--np", "3", "--nodes", "2", "--dry-run"], "does not spread evenly"),
    (["run", "--site", "local", "aigw", "--launcher", "qsub", "--dry-run"], "unknown launcher 'qsub'"),
])
def test_cli_bad_input_is_one_line_exit_2(args: list[str], message: str) -> None:
    proc = envkit(*args)
    assert proc.returncode == 2
    assert len(proc.stderr.strip().splitlines()) == 1 and message in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr


def test_cli_missing_launcher_is_a_clear_error(tmp_path: Path) -> None:
    env = {"PATH": str(tmp_path), "HOME": str(tmp_path)}
    proc = envkit("run", "--site", "local-slurm", "aigw", "--native", "--results", str(tmp_path / "r"), env=env)
    assert proc.returncode == 2
    assert "launcher 'srun' not found on PATH" in proc.stderr and "Traceback" not in proc.stderr


def test_multi_node_torchrun_rendezvous_comes_from_the_allocation(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from envkit.launch.run import rendezvous

    assert rendezvous({"ENVKIT_MASTER_ADDR": "node1", "SLURM_JOB_NODELIST": "x[1-2]"}) == "node1:29500"
    assert rendezvous({}) is None
    monkeypatch.setenv("SLURM_JOB_NODELIST", "hal[07-09]")
    argv = compose(load_profile("hal"), RunRequest(site="hal", workload="aigw", nodes=2, launcher="torchrun",
                                                   results=tmp_path), _container("singularity", "/i.sif", gpu=True))
    assert "--rdzv-endpoint=hal07:29500" in argv and "--nnodes=2" in argv
    monkeypatch.delenv("SLURM_JOB_NODELIST")
    monkeypatch.delenv("ENVKIT_MASTER_ADDR", raising=False)
    with pytest.raises(EnvkitError, match="ENVKIT_MASTER_ADDR"):
        compose(load_profile("hal"), RunRequest(site="hal", workload="aigw", nodes=2, launcher="torchrun",
                                                results=tmp_path))


@pytest.mark.slow
@pytest.mark.slurm
def test_torchrun_rendezvous_line_reads_the_first_host_inside_a_real_slurm_job(slurm_env: dict[str, str],
                                                                                tmp_path: Path) -> None:
    """The rendezvous line of a rendered two-node torchrun job script, run by a real sbatch job on the one-node
    Slurm: it prints the allocation's node (the fixture's `localhost`). Seconds; no image is needed."""
    import subprocess

    from envkit.batch.goldens import golden_script

    tests = Path(__file__).resolve().parents[1]
    rendered = golden_script(str(tests / "batch" / "profiles" / "slurm-torchrun.yaml"), 2).splitlines()
    host_line = next(line for line in rendered if line.startswith("ENVKIT_RDZV_HOST=$("))
    out = tmp_path / "host.txt"
    job = tmp_path / "job.sh"
    job.write_text(f"#!/bin/bash\n#SBATCH --nodes=1\n#SBATCH --output={out}\nset -u\n{host_line}\n"
                   "printf 'rendezvous=%s\\n' \"$ENVKIT_RDZV_HOST\"\n")
    proc = subprocess.run(["sbatch", "--wait", str(job)], env=slurm_env, capture_output=True, text=True,
                          timeout=180)
    assert proc.returncode == 0, proc.stderr
    assert out.read_text().strip() == "rendezvous=localhost"

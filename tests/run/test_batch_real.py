"""For real: `envkit submit` hands a generated sbatch script to the one-node Slurm, the job runs 2 ranks inside
the Charliecloud image, and `envkit results` shows its metrics; a job whose workload fails is reported failed
with the end of its log. `local-mpich` runs 2 ranks with MPICH's Hydra mpiexec inside an image with MPICH.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from .conftest import STORE, envkit, last_json

needs_charliecloud = pytest.mark.skipif(
    shutil.which("ch-image") is None or shutil.which("debootstrap") is None,
    reason="Charliecloud/debootstrap not installed (run scripts/install-charliecloud.sh)")
needs_mpich = pytest.mark.skipif(shutil.which("mpiexec.mpich") is None, reason="MPICH not installed (apt-get install "
                                                                                "mpich)")


@pytest.mark.slow
@pytest.mark.slurm
@pytest.mark.container
@needs_charliecloud
def test_submit_to_real_slurm_runs_two_ranks_in_the_image(slurm_env: dict[str, str], tmp_path: Path) -> None:
    proc = envkit("submit", "--site", "local-slurm", "workloads/aigw", "--nodes", "1", "--store", str(STORE),
                  "--results", str(tmp_path), "--run-id", "good", "--wait", "--json", "--", "--preset", "smoke",
                  "--steps", "20", env=slurm_env)
    record = last_json(proc)
    assert record["scheduler"] == "slurm" and record["job_id"].isdigit() and record["state"] == "COMPLETED"
    assert "#SBATCH --nodes=1" in (tmp_path / "good" / "job.sh").read_text()
    shown = envkit("results", "good", "--results", str(tmp_path), "--json", env=slurm_env)
    info = last_json(shown)
    metrics = info["metrics"]
    assert info["state"] == "COMPLETED" and metrics["world_size"] == 2 and metrics["engine"] == "charliecloud"
    assert metrics["throughput"] > 0 and metrics["loss_end"] < metrics["loss_start"]
    log = (tmp_path / "good" / "job.log").read_text()
    assert "\x1b[2K" not in log  # a job log is plain lines, never a terminal's redraws
    listed = envkit("jobs", "--results", str(tmp_path), env=slurm_env)
    assert listed.returncode == 0 and "good" in listed.stdout and "COMPLETED" in listed.stdout


@pytest.mark.slow
@pytest.mark.slurm
@pytest.mark.container
@needs_charliecloud
def test_a_failing_job_is_reported_failed_with_its_log(slurm_env: dict[str, str], tmp_path: Path) -> None:
    proc = envkit("submit", "--site", "local-slurm", "workloads/aigw", "--store", str(STORE), "--results",
                  str(tmp_path), "--run-id", "bad", "--wait", "--", "--set", "micro_batches=3", "--steps", "2",
                  env=slurm_env)
    assert proc.returncode == 1, proc.stderr[-2000:]
    assert "bad job" in proc.stdout and "FAILED" in proc.stdout
    assert "error: run bad FAILED; last lines of" in proc.stderr
    shown = envkit("results", "bad", "--results", str(tmp_path), "--json", env=slurm_env)
    assert shown.returncode == 1
    info = json.loads(shown.stdout.strip().splitlines()[-1])
    assert info["state"] == "FAILED" and info["log_tail"] and "metrics" not in info
    assert (tmp_path / "bad" / "job-exit-code").read_text().strip() != "0"


@pytest.mark.slow
@pytest.mark.mpi
@needs_mpich
def test_local_mpich_two_ranks_with_hydra_native(tmp_path: Path) -> None:
    proc = envkit("run", "--site", "local-mpich", "aigw", "--native", "--np", "2", "--json", "--results", str(tmp_path),
                  "--", "--preset", "smoke", "--steps", "6")
    summary = last_json(proc)
    assert summary["world_size"] == 2 and summary["dist"] == "ddp" and summary["loss_end"] < summary["loss_start"]
    assert "+ mpiexec.mpich -n 2 -ppn 2 " in proc.stderr and "envkit.launch.pmi_env" in proc.stderr
    assert "[rank 0/2] step 6/6" in proc.stdout + proc.stderr  # plain, rank-tagged progress lines


@pytest.mark.slow
@pytest.mark.container
@pytest.mark.mpi
@needs_charliecloud
@needs_mpich
def test_local_mpich_two_ranks_with_hydra_inside_the_image(tmp_path: Path) -> None:
    proc = envkit("run", "--site", "local-mpich", "workloads/aigw", "--np", "2", "--json", "--store", str(STORE),
                  "--results", str(tmp_path), "--", "--preset", "smoke", "--steps", "20")
    summary = last_json(proc)
    assert summary["world_size"] == 2 and summary["status"] == "finished" and summary["engine"] == "charliecloud"
    assert summary["loss_end"] < summary["loss_start"]
    assert "+ mpiexec.mpich -n 2 -ppn 2 " in proc.stderr  # MPICH's Hydra started the ranks
    record = json.loads((Path(summary["results_dir"]) / "metrics.json").read_text())
    assert record["dist"] == "ddp" and record["world_size"] == 2
    mpi = envkit("build", "--site", "local-mpich", "--workload", "aigw", "--store", str(STORE), "--json")
    image = json.loads(mpi.stdout)["layers"][-1]["image"]
    version = (Path(image) / "opt" / "envkit" / "manifest" / "mpi-version.txt")
    if version.exists():  # a directory image (Charliecloud): the base layer's record of its MPI
        assert "HYDRA" in version.read_text() or "MPICH" in version.read_text()

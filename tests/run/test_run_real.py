"""`envkit run` for real: ranks started by mpirun or srun, inside the Charliecloud image or natively.

The image tests share the image store of the build tests ($ENVKIT_TEST_STORE), so the base and site
layers are built once; each workload layer is built on top the first time it runs.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from .conftest import STORE, envkit, last_json

needs_mpirun = pytest.mark.skipif(shutil.which("mpirun") is None, reason="Open MPI not installed (openmpi-bin)")
needs_charliecloud = pytest.mark.skipif(
    shutil.which("ch-image") is None or shutil.which("debootstrap") is None,
    reason="Charliecloud/debootstrap not installed (run scripts/install-charliecloud.sh)")


def _check_two_rank_run(summary: dict, workload: str, site: str, engine: str) -> None:
    assert summary["workload"] == workload and summary["site"] == site and summary["engine"] == engine
    assert summary["world_size"] == 2 and summary["status"] == "finished"
    assert summary["throughput"] > 0 and summary["throughput_unit"] == "samples/s"
    assert summary["loss_end"] < summary["loss_start"], summary
    record = json.loads((Path(summary["results_dir"]) / "metrics.json").read_text())
    assert record["world_size"] == 2 and record["dist"] == "ddp"


@pytest.mark.slow
@pytest.mark.mpi
@needs_mpirun
def test_native_two_ranks_with_mpirun(tmp_path: Path) -> None:
    proc = envkit("run", "--site", "local", "aigw", "--native", "--np", "2", "--json", "--results", str(tmp_path),
                  "--", "--preset", "smoke", "--steps", "20")
    _check_two_rank_run(last_json(proc), "aigw", "local", "none")


@pytest.mark.slow
@pytest.mark.container
@pytest.mark.mpi
@needs_mpirun
@needs_charliecloud
@pytest.mark.parametrize("workload", ["aigw", "resnet50", "aides"])
def test_two_ranks_inside_the_charliecloud_image(tmp_path: Path, workload: str) -> None:
    proc = envkit("run", "--site", "local", f"workloads/{workload}", "--np", "2", "--json", "--store", str(STORE),
                  "--results", str(tmp_path), "--", "--preset", "smoke", "--steps", "20")
    summary = last_json(proc)
    _check_two_rank_run(summary, workload, "local", "charliecloud")
    assert len(summary["manifest_hash"]) == 16
    assert "ch-run" in proc.stderr  # the exact command is echoed before it runs


@pytest.mark.slow
@pytest.mark.container
@pytest.mark.mpi
@needs_mpirun
@needs_charliecloud
def test_horovod_two_ranks_inside_the_image(tmp_path: Path) -> None:
    proc = envkit("run", "--site", "local", "aigw", "--np", "2", "--json", "--store", str(STORE),
                  "--results", str(tmp_path), "--", "--dist", "horovod", "--steps", "10")
    summary = last_json(proc)
    assert summary["world_size"] == 2 and summary["dist"] == "horovod"


@pytest.mark.slow
@pytest.mark.slurm
def test_srun_native_two_ranks(slurm_env: dict[str, str], tmp_path: Path) -> None:
    proc = envkit("run", "--site", "local-slurm", "aigw", "--native", "--np", "2", "--json", "--results",
                  str(tmp_path), "--", "--steps", "20", env=slurm_env)
    _check_two_rank_run(last_json(proc), "aigw", "local-slurm", "none")
    assert "srun --nodes=1 --ntasks-per-node=2" in proc.stderr


@pytest.mark.slow
@pytest.mark.slurm
@pytest.mark.container
@needs_charliecloud
def test_srun_two_ranks_inside_the_image(slurm_env: dict[str, str], tmp_path: Path) -> None:
    proc = envkit("run", "--site", "local-slurm", "aigw", "--np", "2", "--json", "--store", str(STORE),
                  "--results", str(tmp_path), "--", "--steps", "20", env=slurm_env)
    _check_two_rank_run(last_json(proc), "aigw", "local-slurm", "charliecloud")

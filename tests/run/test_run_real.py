"""`envkit run` for real: ranks started by mpirun or srun, inside the Charliecloud image or natively.

The image tests share the image store of the build tests ($ENVKIT_TEST_STORE), so the base and site
layers are built once; each workload layer is built on top the first time it runs.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from envkit_cli import process_env

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
    if workload == "aides":
        _check_aides_evaluation(Path(summary["results_dir"]))


def _check_aides_evaluation(run: Path) -> None:
    """The AI-DES run in the image ended with its test split (confusion matrix, AUC, curves); `envkit
    evaluate` on the host repeats it from model_final.pt and prints the same numbers."""
    at_end = json.loads((run / "evaluation.json").read_text())
    record = json.loads((run / "metrics.json").read_text())
    hp = record["hyperparameters"]
    size = int(hp.get("test_samples") or hp["val_samples"])  # the synthetic test split (envkit.train.sources)
    assert record["test"]["n"] == at_end["n"] == size and (run / "curves.png").stat().st_size > 10_000
    (run / "evaluation.json").unlink()
    proc = envkit("evaluate", str(run))
    assert proc.returncode == 0, proc.stderr[-3000:]
    again = json.loads((run / "evaluation.json").read_text())
    rep = again["report"]
    counts = rep["confusion"]["counts"]
    assert len(counts) == 2 and sum(map(sum, counts)) == again["n"] == size, counts
    assert 0.0 <= rep["auc"] <= 1.0 and (run / "roc.png").stat().st_size > 10_000
    assert f"AUC {rep['auc']:.4f}" in proc.stdout and "confusion (rows true, columns predicted)" in proc.stdout
    # the same weights on the same test split, in the image on 2 ranks and here in one process
    assert rep["auc"] == pytest.approx(at_end["report"]["auc"], abs=1e-3)
    for key, value in at_end["metrics"].items():
        assert again["metrics"][key] == pytest.approx(value, rel=1e-3, abs=1e-4), key


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
    assert "envkit-local-horovod-aigw" in proc.stderr   # the run used the image with the Horovod layer


@pytest.mark.slow
@pytest.mark.container
@needs_charliecloud
def test_horovod_in_an_image_without_it_is_one_line_saying_how_to_get_it(tmp_path: Path) -> None:
    """The DDP image has no Horovod (its compile is a layer of its own): the runner, asked for --dist horovod
    inside it, exits non-zero with one line naming the command that builds the image that has it."""
    from envkit.engines.charliecloud import Charliecloud

    built = envkit("build", "--site", "local", "--workload", "aigw", "--store", str(STORE))
    assert built.returncode == 0, built.stderr[-2000:]
    image = STORE / "charliecloud" / "storage" / "img" / "envkit-local-aigw"
    assert not list(image.glob("opt/envkit/venv/lib/python3*/site-packages/horovod"))
    proc = Charliecloud().run(str(image), ["python3", "-m", "envkit.train", "aigw", "--dist", "horovod",
                                           "--preset", "smoke", "--steps", "1", "--results", str(tmp_path)],
                              binds=[f"{tmp_path}:{tmp_path}"])
    assert proc.returncode != 0
    lines = [line for line in proc.stderr.splitlines() if "Horovod" in line]
    assert len(lines) == 1 and "this image has no Horovod" in lines[0], proc.stderr[-2000:]
    assert "envkit run --site local aigw -- --dist horovod" in lines[0]
    assert "Traceback" not in proc.stderr


@pytest.mark.slow
@pytest.mark.container
@pytest.mark.mpi
@needs_mpirun
@needs_charliecloud
def test_horovod_resume_inside_the_image_keeps_the_optimizer_state(tmp_path: Path) -> None:
    """AI-GW (Adam) on 2 Horovod ranks in the image: 4 steps and a checkpoint, then --resume to step 8.
    Horovod's DistributedOptimizer is a new optimizer built from param_groups, so state loaded into the
    optimizer before wrapping was dropped: Adam restarted its step count (and moments) at 0 and ended at
    4. Loaded after wrapping, its step count continues from the checkpoint's 4 to 8."""
    import torch

    from envkit.train.setup import optimizer_steps

    def train(steps: int, *extra: str) -> dict:
        proc = envkit("run", "--site", "local", "aigw", "--np", "2", "--json", "--store", str(STORE),
                      "--results", str(tmp_path), "--run-id", "hvd", "--", "--dist", "horovod", "--steps", str(steps),
                      "--checkpoint-every", "4", "--set", "test_at_end=false", *extra)
        return last_json(proc)

    def saved_steps() -> int | None:
        ck = torch.load(tmp_path / "hvd" / "checkpoint.pt", map_location="cpu", weights_only=False)
        return optimizer_steps(ck["optimizer"])

    assert train(4)["dist"] == "horovod" and saved_steps() == 4
    summary = train(8, "--resume")
    record = json.loads((tmp_path / "hvd" / "metrics.json").read_text())
    assert summary["steps"] == 8 and record["dist"] == "horovod" and record["resumed_from"] == 4
    assert record["resumed_optimizer_steps"] == 4  # loaded into the optimizer that steps
    assert saved_steps() == 8  # was 4: Adam's moments restarted after the resume


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


def _weights(path: Path) -> dict:
    import torch

    return torch.load(path, map_location="cpu", weights_only=True)


@pytest.mark.slow
@pytest.mark.container
@pytest.mark.mpi
@needs_mpirun
@needs_charliecloud
def test_horovod_from_the_image_matches_a_single_process(tmp_path: Path) -> None:
    """Horovod as built into the image (MPI + Gloo), 2 ranks x 4 samples, against 1 process x 8 samples, on the
    tiny test workload (an MLP with no BatchNorm and no dropout, SGD): the same global batches, gradients
    averaged, so the same weights up to float summation order."""
    import torch

    from envkit.engines.charliecloud import Charliecloud
    from envkit.launchers.base import LaunchPlan, launch_argv
    from envkit.profile import load_profile

    build = envkit("build", "--site", "local", "--workload", "aigw", "--horovod", "--store", str(STORE), "--json")
    assert build.returncode == 0, build.stderr[-3000:]
    image = json.loads(build.stdout)["layers"][-1]["image"]
    shutil.copytree(Path(__file__).resolve().parents[1] / "workloads" / "fixtures" / "tiny", tmp_path / "tiny")
    engine = Charliecloud()
    wrapper = tuple(engine.exec_argv(image, [], binds=[f"{tmp_path}:/opt/envkit/results"], host_env=True))

    def train(ranks: int, *args: str) -> None:
        command = ("python3", "-m", "envkit.train", "/opt/envkit/results/tiny", "--results", "/opt/envkit/results/out",
                   *args)
        argv = launch_argv(load_profile("local"), LaunchPlan(1, ranks, command, wrapper=wrapper))
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=600, env=process_env())
        assert proc.returncode == 0, proc.stderr[-3000:]

    train(1, "--batch", "8", "--run-id", "one")
    train(2, "--batch", "4", "--dist", "horovod", "--run-id", "hvd")
    record = json.loads((tmp_path / "out" / "hvd" / "metrics.json").read_text())
    assert record["world_size"] == 2 and record["dist"] == "horovod" and record["engine"] == "none"
    one = _weights(tmp_path / "out" / "one" / "model_final.pt")
    hvd = _weights(tmp_path / "out" / "hvd" / "model_final.pt")
    assert one.keys() == hvd.keys() and one
    for key in one:
        assert torch.allclose(one[key], hvd[key], atol=1e-6, rtol=1e-5), (key, (one[key] - hvd[key]).abs().max())


@pytest.mark.slow
@pytest.mark.mpi
@needs_mpirun
def test_a_failed_run_is_one_clear_line_and_its_exit_status(tmp_path: Path) -> None:
    proc = envkit("run", "--site", "local", "aigw", "--native", "--np", "2", "--json", "--results", str(tmp_path),
                  "--run-id", "bad", "--", "--set", "micro_batches=3", "--steps", "2")
    assert proc.returncode != 0
    assert f"error: the run exited with status {proc.returncode} (results: {tmp_path / 'bad'})" in proc.stderr
    assert "micro_batches (3) must divide the batch per device (8)" in proc.stderr
    assert "Traceback" not in proc.stderr and not proc.stdout.strip().endswith("}")

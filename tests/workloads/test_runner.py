"""The training runner end to end: metrics.json, user errors, kill-and-resume, DDP and Horovod equivalence."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest
import torch
from wl_helpers import ROOT, env, mpirun_cmd, run, train_cmd

from envkit.train import runner
from envkit.train.config import parse_args

SUMMARY = {"workload", "site", "engine", "world_size", "throughput", "throughput_unit", "loss_start", "loss_end",
           "results_dir"}


def test_metrics_json_keys(tmp_path, tiny):
    summary = runner.run(parse_args([tiny, "--steps", "6", "--results", str(tmp_path), "--run-id", "r",
                                     "--site", "hal", "--engine", "apptainer", "--manifest-hash", "abc123"]))
    m = json.loads((tmp_path / "r" / "metrics.json").read_text())
    assert SUMMARY <= set(m["summary"]) and m["summary"] == summary
    assert summary["site"] == "hal" and summary["engine"] == "apptainer" and summary["world_size"] == 1
    assert summary["throughput_unit"] == "samples/s" and summary["throughput"] > 0
    for key in ("throughput", "time_per_epoch_s", "loss_start", "loss_end", "metric", "world_size", "precision",
                "preset", "steps", "manifest_hash", "epochs", "status"):
        assert key in m
    assert m["manifest_hash"] == "abc123" and m["status"] == "finished" and m["steps"] == 6
    assert {"mean", "ci95"} <= set(m["throughput"]["per_device"])
    assert (tmp_path / "r" / "model_final.pt").is_file()


def test_epochs_and_history(tmp_path, tiny):
    runner.run(parse_args([tiny, "--epochs", "2", "--results", str(tmp_path), "--run-id", "e"]))
    m = json.loads((tmp_path / "e" / "metrics.json").read_text())
    assert [h["epoch"] for h in m["epochs"]] == [0, 1] and len(m["time_per_epoch_s"]) == 2
    assert m["steps"] == 2 * m["steps_per_epoch"] and "val_loss" in m["epochs"][0]


@pytest.mark.parametrize("args,message", [
    (["nope"], "unknown workload 'nope'"),
    (["aigw", "--preset", "huge"], "no preset 'huge'"),
    (["aigw", "--data", "/nonexistent/data"], "no such file or folder"),
    (["aigw", "--weights", "/nonexistent.pt"], "no such file"),
])
def test_user_errors_are_one_line(args, message, tmp_path):
    lines: list[str] = []
    assert runner.main([*args, "--results", str(tmp_path)], err=lines.append) == 2
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0]


@pytest.mark.slow
def test_image_folder_data(tmp_path):
    """ResNet-50 smoke on an ImageFolder tree (train/ and val/ with class sub-folders)."""
    from PIL import Image

    rng = torch.Generator().manual_seed(0)
    for split, n in (("train", 8), ("val", 4)):
        for c in ("cat", "dog"):
            (tmp_path / "img" / split / c).mkdir(parents=True)
            for i in range(n):
                pixels = (torch.rand(40, 40, 3, generator=rng) * 255).to(torch.uint8).numpy()
                Image.fromarray(pixels).save(tmp_path / "img" / split / c / f"{i}.png")
    s = runner.run(parse_args(["resnet50", "--data", str(tmp_path / "img"), "--steps", "2", "--workers", "0",
                               "--set", "num_classes=2", "--results", str(tmp_path), "--run-id", "if"]))
    m = json.loads((tmp_path / "if" / "metrics.json").read_text())
    assert s["steps"] == 2 and m["data"].endswith("img") and 0 <= m["eval"]["top1"] <= 1


def test_cli_error_has_no_traceback(tmp_path):
    proc = run(train_cmd("nope", "--results", str(tmp_path)), check=False)
    assert proc.returncode == 2 and proc.stderr.strip().count("\n") == 0 and "Traceback" not in proc.stderr


def test_precision_and_compile_flags(tmp_path, tiny):
    s = runner.run(parse_args([tiny, "--steps", "3", "--precision", "bf16", "--results", str(tmp_path),
                               "--run-id", "b"]))
    assert s["precision"] == "bf16" and s["loss_end"] == s["loss_end"]


def test_compile_failure_falls_back_to_eager(tmp_path, tiny, monkeypatch, capsys):
    def broken_compile(model, **kw):
        def call(*a, **k):
            raise RuntimeError("inductor exploded")
        return call

    monkeypatch.setattr(torch, "compile", broken_compile)
    s = runner.run(parse_args([tiny, "--steps", "3", "--compile", "--results", str(tmp_path), "--run-id", "f"]))
    assert s["steps"] == 3
    assert "warning: torch.compile failed (inductor exploded); running eager" in capsys.readouterr().out
    assert json.loads((tmp_path / "f" / "metrics.json").read_text())["compile"] is False


def test_fp16_grad_scaler(tmp_path, tiny):
    s = runner.run(parse_args([tiny, "--steps", "3", "--precision", "fp16", "--results", str(tmp_path),
                               "--run-id", "h"]))
    assert s["precision"] == "fp16" and s["steps"] == 3


@pytest.mark.slow
def test_compile_or_fallback(tmp_path, tiny):
    s = runner.run(parse_args([tiny, "--steps", "4", "--compile", "--results", str(tmp_path), "--run-id", "c"]))
    assert s["steps"] == 4


def _weights(path):
    return torch.load(path, map_location="cpu", weights_only=True)


@pytest.mark.slow
def test_sigkill_and_resume_matches_uninterrupted(tmp_path):
    """AI-GW smoke on generated HDF5 data (dropout, BN, a DataLoader worker, epoch ends, ReduceLROnPlateau):
    a run killed with SIGKILL and resumed ends with the same step count and bit-identical weights."""
    from envkit.data import aigw

    data = tmp_path / "gw"
    aigw.generate(100, data, preset="smoke", workers=2, seed=1, chunk=25)
    common = ["aigw", "--data", str(data), "--steps", "40", "--checkpoint-every", "5", "--workers", "1",
              "--results", str(tmp_path / "res"), "--seed", "3"]
    run(train_cmd(*common, "--run-id", "straight"))
    killed = subprocess.Popen(train_cmd(*common, "--run-id", "killed", "--log-every", "1"), env=env(), cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    ckpt = tmp_path / "res" / "killed" / "checkpoint.pt"
    deadline = time.time() + 300
    while not ckpt.exists() and time.time() < deadline and killed.poll() is None:
        time.sleep(0.05)
    time.sleep(0.3)  # land somewhere between checkpoints
    killed.send_signal(signal.SIGKILL)
    killed.wait()
    assert killed.returncode == -signal.SIGKILL, "the run finished before it could be killed"
    assert not (tmp_path / "res" / "killed" / "metrics.json").exists() or \
        json.loads((tmp_path / "res" / "killed" / "metrics.json").read_text())["status"] == "running"
    resumed = run(train_cmd(*common, "--run-id", "killed", "--resume"))
    assert "resumed killed at step" in resumed.stdout
    a = json.loads((tmp_path / "res" / "straight" / "metrics.json").read_text())
    b = json.loads((tmp_path / "res" / "killed" / "metrics.json").read_text())
    assert a["steps"] == b["steps"] == 40 and b["resumed_from"] and b["resumed_from"] % 5 == 0
    assert a["loss_end"] == b["loss_end"]
    wa = _weights(tmp_path / "res" / "straight" / "model_final.pt")
    wb = _weights(tmp_path / "res" / "killed" / "model_final.pt")
    assert wa.keys() == wb.keys()
    for k in wa:
        assert torch.equal(wa[k], wb[k]), k


def _torchrun(n: int, *args: str) -> list[str]:
    return [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={n}",
            "-m", "envkit.train", *args]


def _assert_same_weights(a, b, atol=1e-6):
    wa, wb = _weights(a), _weights(b)
    for k in wa:
        assert torch.allclose(wa[k], wb[k], atol=atol, rtol=1e-5), (k, (wa[k] - wb[k]).abs().max())


@pytest.mark.slow
def test_ddp_two_ranks_equals_single_process(tmp_path, tiny):
    """Tiny MLP (no BatchNorm, no dropout), SGD with momentum, 12 steps: 2 ranks x 4 samples (torchrun,
    gloo) must reach the weights of 1 process x 8 samples, since both see the same global batches and DDP
    averages the gradients; only float summation order differs."""
    res = str(tmp_path)
    run(train_cmd(tiny, "--batch", "8", "--results", res, "--run-id", "one"))
    run(_torchrun(2, tiny, "--batch", "4", "--dist", "ddp", "--results", res, "--run-id", "two"))
    m = json.loads((tmp_path / "two" / "metrics.json").read_text())
    assert m["world_size"] == 2 and m["dist"] == "ddp" and m["launcher"] == "torchrun" and m["global_batch"] == 8
    _assert_same_weights(tmp_path / "one" / "model_final.pt", tmp_path / "two" / "model_final.pt")


@pytest.mark.slow
@pytest.mark.mpi
@pytest.mark.skipif(not shutil.which("mpirun"), reason="mpirun not installed")
def test_ddp_under_mpirun_equals_single_process(tmp_path, tiny):
    """As above, launched by mpirun: ranks from OMPI_COMM_WORLD_*, address broadcast with mpi4py."""
    pytest.importorskip("mpi4py")
    res = str(tmp_path)
    run(train_cmd(tiny, "--batch", "8", "--results", res, "--run-id", "one"))
    run(mpirun_cmd(2, *train_cmd(tiny, "--batch", "4", "--dist", "ddp", "--results", res, "--run-id", "two")))
    m = json.loads((tmp_path / "two" / "metrics.json").read_text())
    assert m["world_size"] == 2 and m["launcher"] == "openmpi"
    _assert_same_weights(tmp_path / "one" / "model_final.pt", tmp_path / "two" / "model_final.pt")


def _horovod_ok() -> bool:
    try:
        import horovod.torch  # noqa: F401
    except Exception:  # noqa: BLE001 - any import failure means no usable Horovod
        return False
    return True


@pytest.mark.slow
@pytest.mark.mpi
@pytest.mark.skipif(not _horovod_ok(), reason="import horovod.torch failed: Horovod is not built here "
                    "(pip install horovod with the C++17/20 CMake patch)")
@pytest.mark.skipif(not shutil.which("mpirun"), reason="mpirun not installed")
def test_horovod_two_ranks_equals_single_process(tmp_path, tiny):
    """Tiny MLP (no BatchNorm, no dropout): Horovod's DistributedOptimizer averages gradients like DDP."""
    res = str(tmp_path)
    run(train_cmd(tiny, "--batch", "8", "--results", res, "--run-id", "one"))
    run(mpirun_cmd(2, *train_cmd(tiny, "--batch", "4", "--dist", "horovod", "--results", res, "--run-id", "hvd")))
    m = json.loads((tmp_path / "hvd" / "metrics.json").read_text())
    assert m["world_size"] == 2 and m["dist"] == "horovod"
    _assert_same_weights(tmp_path / "one" / "model_final.pt", tmp_path / "hvd" / "model_final.pt")


@pytest.mark.slow
@pytest.mark.parametrize("name", ["aigw", "resnet50", "aides"])
def test_smoke_loss_decreases_on_two_ranks(tmp_path, name):
    """20 smoke steps, 2 ranks, gloo (torchrun): the loss at the end is below the first step's."""
    extra = ["--set", "epochs=null", "--steps", "20"] if name == "aides" else []
    run(_torchrun(2, name, "--dist", "ddp", "--results", str(tmp_path), "--run-id", name, *extra), timeout=1200)
    s = json.loads((tmp_path / name / "metrics.json").read_text())["summary"]
    assert s["world_size"] == 2 and s["steps"] == 20
    assert s["loss_end"] < s["loss_start"], s


def test_env_is_clean_for_children():
    assert "RANK" not in env() and os.path.isdir(env()["PYTHONPATH"].split(os.pathsep)[0])

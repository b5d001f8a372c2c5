"""Schedule, checkpoints, metrics helpers and workload loading."""

from __future__ import annotations

import json
import os

import pytest
import torch

from envkit.train import checkpoint, metrics, workload
from envkit.train.config import parse_args
from envkit.train.schedule import Schedule, scaled_lr


def test_lr_scaling_and_warmup_and_milestones():
    assert scaled_lr(0.1, 208 * 8, 256) == pytest.approx(0.65)
    s = Schedule(1.0, warmup_steps=10, milestones=[20, 30], gamma=0.1)
    assert s.lr(0) == pytest.approx(0.1) and s.lr(9) == 1.0 and s.lr(25) == pytest.approx(0.1)
    assert s.lr(30) == pytest.approx(0.01)


def test_plateau_and_early_stopping_and_state():
    s = Schedule(1.0, plateau_factor=0.5, plateau_patience=3, early_stop_patience=7)
    assert not s.end_epoch(1.0)
    stops = [s.end_epoch(2.0) for _ in range(7)]
    assert stops == [False] * 6 + [True]
    assert s.factor == 0.25  # cut after 3 and 6 bad epochs
    t = Schedule(1.0, plateau_factor=0.5)
    t.load_state_dict(s.state_dict())
    assert t.lr(0) == s.lr(0) == 0.25


def test_checkpoint_is_atomic(tmp_path, monkeypatch):
    path = tmp_path / "checkpoint.pt"
    checkpoint.save(path, {"step": 1})

    def boom(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(torch, "save", boom)
    with pytest.raises(OSError):
        checkpoint.save(path, {"step": 2})
    monkeypatch.undo()
    assert checkpoint.load(path)["step"] == 1
    assert os.listdir(tmp_path) == ["checkpoint.pt"]  # no temp file left behind


def test_rng_roundtrip():
    checkpoint.seed_all(3)
    state = checkpoint.rng_state()
    a = torch.rand(3)
    torch.rand(5)
    checkpoint.set_rng_state(state)
    assert torch.equal(torch.rand(3), a)


def test_metrics_write_has_no_nan(tmp_path):
    record = {"status": "running", "workload": "w", "world_size": 1, "a": float("nan"), "b": [1.0, float("inf")],
              "loss_end": float("nan")}
    data = json.loads(metrics.write(tmp_path, record).read_text())
    assert data["a"] is None and data["b"] == [1.0, None] and data["loss_end"] is None
    assert data["schema_version"] == 1


def test_workload_resolution(tiny):
    assert workload.load(tiny).name == "tiny"
    assert workload.resolve("workloads/aigw").name == "aigw"
    with pytest.raises(workload.WorkloadError, match="unknown workload 'nope'"):
        workload.resolve("nope")
    with pytest.raises(workload.WorkloadError, match="no preset 'huge'"):
        workload.load("aigw").preset("huge")


@pytest.mark.parametrize("name", ["resnet50", "aigw", "aides"])
def test_bundled_workload_specs(name):
    wl = workload.load(name)
    assert {"smoke", "paper"} <= set(wl.presets())
    assert wl.spec["description"] and "\n" not in wl.spec["description"]
    assert isinstance(wl.spec["dependencies"]["pip"], list)
    for preset in ("smoke", "paper"):
        hp = wl.preset(preset)
        assert (hp.get("batch") or hp["global_batch"]) >= 1 and hp["lr"] > 0
    x, y = wl.module.synthetic(wl.preset("smoke"), 4, torch.Generator().manual_seed(0))
    with torch.no_grad():
        out = wl.module.build_model(wl.preset("smoke")).eval()(x)
    assert wl.module.loss(out, y).ndim == 0
    sums = {k: float(v) for k, v in wl.module.evaluate(out, y).items()}
    assert wl.metric in {**wl.module.summarize(sums, 4), "val_loss": 0}


def test_hal_paper_preset():
    hp = workload.load("resnet50").preset("paper")
    assert (hp["batch"], hp["lr"], hp["ref_batch"], hp["momentum"], hp["weight_decay"]) == (208, 0.1, 256, 0.9, 1e-4)
    assert (hp["warmup_epochs"], hp["milestones"], hp["epochs"]) == (5, [30, 60, 80], 90)


def test_parse_args_rejects_bad_steps(capsys):
    with pytest.raises(SystemExit) as e:
        parse_args(["aigw", "--steps", "0"])
    assert e.value.code == 2

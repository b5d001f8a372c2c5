"""The scaling model's limits, and `envkit predict` beside the paper's figures."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys

import pytest

from envkit.study.paper import CASES, compare
from envkit.study.predict import Machine, Work, allreduce_seconds, bandwidth_from_text, predict

GRID = list(itertools.product([1.0, 50.0, 800.0], [1, 8, 256], [1e5, 1e8, 4e9], [0.0, 0.5, 1.0]))
MACHINES = [Machine(4, 130e9, 12.5e9), Machine(8, 12e9, 1.25e9), Machine(6, 130e9, 25e9, alpha=1e-4)]
GPUS = [1, 2, 3, 4, 6, 8, 64, 1536, 6144]


@pytest.mark.parametrize(("t1", "batch", "grad", "overlap"), GRID)
def test_one_device_is_the_measured_throughput_and_efficiency_never_exceeds_one(
        t1: float, batch: int, grad: float, overlap: float) -> None:
    work = Work(t1, batch, grad, overlap)
    for m in MACHINES:
        assert predict(work, m, 1).throughput == pytest.approx(t1, rel=1e-12)
        assert predict(work, m, 1).efficiency == 1.0
        for g in GPUS:
            p = predict(work, m, g)
            assert 0 < p.efficiency <= 1.0 + 1e-12
            assert p.throughput <= g * t1 * (1 + 1e-12)  # never faster than ideal


@pytest.mark.parametrize(("t1", "batch", "grad", "overlap"), GRID)
def test_more_bandwidth_or_less_latency_is_never_slower(t1: float, batch: int, grad: float, overlap: float) -> None:
    work = Work(t1, batch, grad, overlap)
    for g in GPUS:
        for link, net in itertools.product([1e9, 12e9, 130e9], [0.1e9, 12.5e9, 50e9]):
            slow = predict(work, Machine(4, link, net), g)
            assert predict(work, Machine(4, link * 2, net), g).step_s <= slow.step_s
            assert predict(work, Machine(4, link, net * 2), g).step_s <= slow.step_s
            assert predict(work, Machine(4, link, net, alpha=1e-6), g).step_s <= slow.step_s


def test_allreduce_terms() -> None:
    m = Machine(4, 100e9, 10e9, alpha=0.0)
    assert allreduce_seconds(1e9, 1, m) == 0.0
    assert allreduce_seconds(1e9, 4, m) == pytest.approx(2 * 3 / 4 * 1e9 / 100e9)  # ring inside a node
    assert allreduce_seconds(1e9, 8, m) == pytest.approx(2 * 7 / 8 * 1e9 / 10e9)  # the network is the bottleneck
    assert bandwidth_from_text("200 Gb/s") == 25e9 and bandwidth_from_text(None) is None


def test_every_paper_figure_has_a_prediction_and_a_ratio() -> None:
    rows = compare()
    assert len(rows) == len(CASES)
    for row in rows:
        assert row.predicted > 0 and row.reported > 0 and row.ratio == pytest.approx(row.predicted / row.reported)
        assert 0 < row.efficiency <= 1
    hal_gw = next(r for r in rows if r.case.label == "AI-GW, HAL, 64 V100")
    assert 0.5 < hal_gw.ratio < 2  # the model is near the paper where the run is compute-bound


def test_predict_command_prints_the_table_beside_the_paper() -> None:
    env = {**os.environ, "USER": os.environ.get("USER", "root")}
    proc = subprocess.run([sys.executable, "-m", "envkit.cli", "predict", "--site", "hal", "workloads/resnet50",
                           "--gpus", "1,8,64"], capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "PREDICTED" in proc.stdout and "ResNet-50, HAL, 64 V100" in proc.stdout and "ratio" in proc.stdout
    js = subprocess.run([sys.executable, "-m", "envkit.cli", "predict", "--site", "hal", "resnet50", "--gpus", "1,64",
                         "--throughput", "500", "--batch", "64", "--json"], capture_output=True, text=True, env=env,
                        timeout=60)
    data = json.loads(js.stdout)
    assert data["points"][0]["throughput"] == pytest.approx(500) and data["points"][1]["efficiency"] <= 1
    assert {r["label"] for r in data["paper"]} >= {"ResNet-50, HAL, 64 V100", "ResNet-50, HAL, 2 V100 (img/s)"}

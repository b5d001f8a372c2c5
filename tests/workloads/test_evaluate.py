"""Evaluation on the held-out test split: the field's numbers, the figures, `envkit evaluate RUN`."""

from __future__ import annotations

import json

import numpy as np
import pytest
from envkit_cli import run_inprocess

from envkit.evaluate import classify, curves, gw
from envkit.train import runner
from envkit.train.config import parse_args


def test_auc_matches_pairwise_definition():
    rng = np.random.default_rng(0)
    score = np.round(rng.random(200), 2)  # ties included
    pos = rng.random(200) < 0.4
    pairs = [(1.0 if a > b else 0.5 if a == b else 0.0) for a in score[pos] for b in score[~pos]]
    assert classify.auc(score, pos) == pytest.approx(np.mean(pairs), abs=1e-12)
    fpr, tpr = classify.roc(score, pos)
    assert fpr[0] == tpr[0] == 0 and fpr[-1] == tpr[-1] == 1 and np.all(np.diff(fpr) >= 0)


def test_binary_report_counts_and_catalogue(tmp_path):
    prob1 = np.array([0.99995, 0.9, 0.2, 0.00001, 0.99999, 0.6])
    prob = np.stack([prob1, 1 - prob1], axis=1)
    true = np.array([0, 0, 1, 1, 1, 1])
    rep = classify.binary_report(prob, true, ("spiral", "elliptical"), tmp_path, "t")
    assert rep["confusion"]["counts"] == [[2, 0], [2, 2]]
    assert rep["catalogue"]["spiral"] == {"size": 2, "purity": 0.5}  # one elliptical at p(spiral) 0.99999
    assert rep["catalogue"]["elliptical"]["size"] == 1 and rep["catalogue"]["all"]["size"] == 3
    assert (tmp_path / "roc.png").stat().st_size > 10_000


def test_gw_errors_and_bins():
    true = np.array([[1.5, 0.1, 0.2, 0.0, 0.0], [6.5, -0.5, 0.4, 0.0, 0.0]])
    pred = true + np.array([[0.5, 0, 0, 0, 0], [-1.0, 0, 0, 0, 0]])
    e = gw.errors(pred, true)
    assert e["q"]["mae"] == 0.75 and e["q"]["bias"] == -0.25 and e["s1"]["mae"] == 0
    rows = gw.binned(pred, true, 0, gw.Q_BINS)
    assert rows[0]["n"] == 1 and rows[0]["mae_q"] == 0.5 and rows[5]["mae_q"] == 1.0 and rows[2]["n"] == 0


def test_overlap_is_one_for_the_true_parameters_and_falls_with_the_error():
    pytest.importorskip("lalsimulation")
    true = np.array([[3.0, 0.4, -0.3, 0, 0]] * 3)
    pred = true + np.array([[0, 0, 0, 0, 0], [0.05, 0, 0, 0, 0], [1.0, 0.3, 0, 0, 0]])
    ov = gw.overlaps(pred, true, 2048)
    assert ov["values"][0] == pytest.approx(1.0, abs=1e-6)
    assert 1.0 > ov["values"][1] > ov["values"][2] and ov["grid"] == "smoke" and ov["clipped"] == 0


def test_time_to_target_and_curves(tmp_path):
    from envkit.records.metrics import Metrics

    rows = [{"epoch": i, "train_loss": 1 / (i + 1), "val_loss": 1.1 / (i + 1), "lr": 0.1, "top1": 0.2 * i,
             "time_s": 5.0} for i in range(5)]
    run = {"status": "running", "workload": "w", "world_size": 1}
    record = Metrics.model_validate({**run, "metric": {"name": "top1"}, "epochs": rows})
    assert curves.time_to_target(record.epochs, "top1", 0.5, "max")["train_seconds"] == 20.0
    assert not curves.time_to_target(record.epochs, "top1", 0.9)["reached"]
    assert curves.draw(record, tmp_path / "c.png")
    empty = Metrics.model_validate({**run, "epochs": []})
    assert not curves.draw(empty, tmp_path / "d.png") and not (tmp_path / "d.png").exists()


@pytest.mark.slow
def test_run_ends_with_test_metrics_and_evaluate_repeats_them(tmp_path, tiny):
    """A run writes the test split's metrics, evaluation.json and curves.png; `envkit evaluate` on the
    finished run recomputes the same numbers from model_final.pt."""
    s = runner.run(parse_args([tiny, "--epochs", "3", "--results", str(tmp_path), "--run-id", "r"]))
    m = json.loads((tmp_path / "r" / "metrics.json").read_text())
    assert m["test"]["n"] == 16 and s["test_metric"] == m["test"]["metrics"]["loss"]
    assert (tmp_path / "r" / "curves.png").stat().st_size > 10_000 and len(m["epochs"]) == 3
    first = json.loads((tmp_path / "r" / "evaluation.json").read_text())
    (tmp_path / "r" / "evaluation.json").unlink()
    out = run_inprocess(*["evaluate", "r", "--results", str(tmp_path), "--workload", str(tiny)])  # not from its files
    assert out.code == 0, out.output
    again = json.loads((tmp_path / "r" / "evaluation.json").read_text())
    assert again["metrics"] == pytest.approx(first["metrics"], rel=1e-6) and "mae" in out.output


def test_evaluate_errors_are_one_line(tmp_path):
    out = run_inprocess(*["evaluate", "nope", "--results", str(tmp_path)])
    assert out.code == 2 and "no such run folder" in out.output
    (tmp_path / "r").mkdir()
    out = run_inprocess(*["evaluate", str(tmp_path / "r")])
    assert out.code == 2 and "no metrics.json" in out.output


@pytest.mark.slow
def test_two_rank_test_metrics_equal_single_process_evaluation(tmp_path):
    """AI-GW (64 BatchNorms) on 2 ranks: each rank's running statistics come from its own samples, so the
    end-of-run test metrics must use rank 0's on every rank, as model_final.pt holds them; they then
    equal a single-process `evaluate_run` of that file (they differed by 0.3 % before)."""
    import subprocess
    import sys

    from wl_helpers import env

    from envkit.evaluate.run import evaluate_run

    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2", "-m", "envkit.train",
           "aigw", "--dist", "ddp", "--steps", "3", "--set", "synthetic_pool=16", "--set", "val_samples=8",
           "--set", "overlap_samples=1", "--results", str(tmp_path), "--run-id", "r"]
    proc = subprocess.run(cmd, env=env(), capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    at_end = json.loads((tmp_path / "r" / "metrics.json").read_text())["test"]["metrics"]
    again = evaluate_run(tmp_path / "r")["metrics"]
    for k in at_end:
        assert again[k] == pytest.approx(at_end[k], rel=1e-5), (k, at_end[k], again[k])

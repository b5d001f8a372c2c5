"""Defects that gave wrong or missing numbers without an error (issue: workloads a scientist would trust).

Each test here failed on the code before its fix: the synthetic pool grew with the rank count, validation
depended on it, Horovod's wrapper dropped the resumed optimizer state, throughput 0.0 for "not timed",
empty validation batches, `--weights` loading nothing, every rank drawing the same augmentation,
resume on another global batch, BatchNorm updated twice per step with micro-batches, estimates
called measurements.
"""

from __future__ import annotations

import json
import math
import re
import sys

import h5py
import numpy as np
import pytest
import torch
from wl_helpers import FIXTURES, ROOT, run, train_cmd

from envkit.data.loaders import ShardedBatchSampler
from envkit.train import checkpoint, runner, sources
from envkit.train import dist as distmod
from envkit.train import workload as wlmod
from envkit.train.config import parse_args


def _torchrun(n: int, *args: str) -> list[str]:
    return [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={n}",
            "-m", "envkit.train", *args]


def _metrics(path) -> dict:
    return json.loads((path / "metrics.json").read_text())


def _weights(path) -> dict[str, torch.Tensor]:
    return torch.load(path, map_location="cpu", weights_only=True)


# 1 ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("world", [1, 64])
def test_synthetic_pool_does_not_grow_with_ranks(tiny, world):
    wl = wlmod.load(tiny)
    hp = wl.preset("smoke", {"synthetic_pool": 16})
    train, _ = sources.synthetic(wl.module, hp, 8, 0, world, 0, torch.device("cpu"), False)
    assert train.x.shape[0] == 16  # was max(pool, batch x world): 512 samples on each of 64 ranks
    assert train.steps_per_epoch >= 1 and next(iter(train.batches(0)))[0].shape[0] == 8


# 2 and 5 ---------------------------------------------------------------------------------------------
def test_validation_subset_is_the_same_on_any_rank_count():
    def seen(world: int) -> list[int]:
        out: list[int] = []
        for r in range(world):
            out += [int(i) for b in ShardedBatchSampler(100, 4, r, world, seed=3, shuffle=False,
                                                        drop_last=False, subset=8) for i in b]
        return sorted(out)

    assert seen(1) == seen(2) == seen(3) and len(seen(1)) == 8 and seen(1) != list(range(8))


def _h5(path, n: int) -> None:
    g = torch.Generator().manual_seed(n)
    x = torch.randn(n, 16, generator=g)
    with h5py.File(path, "w") as f:
        f["x"], f["y"] = x.numpy(), torch.sin(x.sum(1, keepdim=True)).numpy()


@pytest.mark.slow
def test_same_weights_same_metrics_on_one_and_two_ranks(tmp_path, tiny):
    """lr 0 keeps the initial weights (same seed on every rank count); the validation metrics must then
    agree on 1 and 2 ranks: with a capped validation (`eval_batches`, was per rank) on synthetic data,
    and on an HDF5 validation set of one sample, fewer than the ranks (was an IndexError on rank 1)."""
    data = tmp_path / "data"
    data.mkdir()
    _h5(data / "train.h5", 32)
    _h5(data / "val.h5", 1)
    common = ["--batch", "4", "--steps", "1", "--set", "lr=0", "--results", str(tmp_path), "--workers", "0"]
    capped = ["--set", "eval_batches=1", "--set", "val_samples=16"]
    run(train_cmd(tiny, *common, *capped, "--run-id", "cap1"))
    run(_torchrun(2, tiny, "--dist", "ddp", *common, *capped, "--run-id", "cap2"))
    _assert_same_eval(tmp_path / "cap1", tmp_path / "cap2")  # was: 4 samples on 1 rank, 8 on 2
    run(train_cmd(tiny, *common, "--data", str(data), "--run-id", "h51"))
    run(_torchrun(2, tiny, "--dist", "ddp", *common, "--data", str(data), "--run-id", "h52"))
    _assert_same_eval(tmp_path / "h51", tmp_path / "h52")


def _assert_same_eval(one, two) -> None:
    e1, e2 = _metrics(one)["eval"], _metrics(two)["eval"]
    assert _metrics(two)["world_size"] == 2 and set(e1) == set(e2) == {"val_loss", "mae"}
    for k in e1:
        assert e2[k] is not None and math.isclose(e1[k], e2[k], rel_tol=1e-5), (one.name, k, e1[k], e2[k])


@pytest.mark.slow
def test_synthetic_val_smaller_than_ranks_is_finite(tmp_path, tiny):
    run(_torchrun(2, tiny, "--dist", "ddp", "--batch", "4", "--steps", "2", "--set", "val_samples=1",
                  "--results", str(tmp_path), "--run-id", "v"))
    ev = _metrics(tmp_path / "v")["eval"]
    assert ev["val_loss"] is not None and math.isfinite(ev["val_loss"])  # was NaN (null)


# 3 ---------------------------------------------------------------------------------------------------
def _horovod_like_wrap(self, optimizer, model, backward_passes=1):
    """What hvd.DistributedOptimizer does: a subclass of the optimizer's class built from param_groups
    (horovod/torch/optimizer.py: `cls(optimizer.param_groups, ...)`), so it starts with empty state."""
    cls = type(optimizer.__class__.__name__, (optimizer.__class__,), {})
    return cls(optimizer.param_groups)


def test_resume_through_a_rebuilding_optimizer_wrapper_keeps_its_state(tmp_path, tiny, monkeypatch):
    monkeypatch.setattr(distmod.Context, "wrap_optimizer", _horovod_like_wrap)
    res = str(tmp_path)
    runner.run(parse_args([tiny, "--steps", "8", "--results", res, "--run-id", "whole"]))
    runner.run(parse_args([tiny, "--steps", "4", "--checkpoint-every", "4", "--results", res, "--run-id", "cut"]))
    runner.run(parse_args([tiny, "--steps", "8", "--checkpoint-every", "4", "--resume", "--results", res,
                           "--run-id", "cut"]))
    a, b = _weights(tmp_path / "whole" / "model_final.pt"), _weights(tmp_path / "cut" / "model_final.pt")
    for k in a:  # SGD momentum buffers survive: the trajectory is the uninterrupted one
        assert torch.allclose(a[k], b[k], atol=1e-6), (k, (a[k] - b[k]).abs().max())


def test_adam_step_count_continues_through_a_rebuilding_wrapper(tmp_path, tiny, monkeypatch):
    """What the real Horovod test in the image asserts (tests/run/test_run_real.py), here with the stand-in:
    metrics.json says how far the resumed optimizer had come, and Adam's count ends at 8, not 4."""
    from envkit.train.setup import optimizer_steps

    monkeypatch.setattr(distmod.Context, "wrap_optimizer", _horovod_like_wrap)
    args = [tiny, "--set", "optimizer=adam", "--checkpoint-every", "4", "--results", str(tmp_path), "--run-id", "a"]
    runner.run(parse_args([*args, "--steps", "4"]))
    runner.run(parse_args([*args, "--steps", "8", "--resume"]))
    assert _metrics(tmp_path / "a")["resumed_optimizer_steps"] == 4
    assert optimizer_steps(checkpoint.load(tmp_path / "a" / checkpoint.FILENAME)["optimizer"]) == 8


# 4 ---------------------------------------------------------------------------------------------------
def test_throughput_is_null_when_nothing_was_timed(tmp_path, tiny):
    s = runner.run(parse_args([tiny, "--steps", "2", "--set", "warmup_iters=10", "--results", str(tmp_path),
                               "--run-id", "t"]))
    m = _metrics(tmp_path / "t")
    assert s["throughput"] is None and m["summary"]["throughput"] is None  # was 0.0
    assert m["throughput"]["total"]["mean"] is None


# 6 ---------------------------------------------------------------------------------------------------
def test_weights_with_module_prefix_are_loaded(tmp_path, tiny):
    wl = wlmod.load(tiny)
    torch.manual_seed(123)
    donor = wl.module.build_model({})
    torch.save({f"module.{k}": v for k, v in donor.state_dict().items()}, tmp_path / "ddp.pt")
    runner.run(parse_args([tiny, "--weights", str(tmp_path / "ddp.pt"), "--steps", "1", "--set", "lr=0",
                           "--results", str(tmp_path), "--run-id", "w"]))
    got = _weights(tmp_path / "w" / "model_final.pt")
    for k, v in donor.state_dict().items():
        assert torch.equal(got[k], v), k  # was: strict=False, nothing loaded, silently


def test_weights_that_do_not_fit_are_one_line_errors(tmp_path, tiny):
    torch.save({"0.weight": torch.zeros(3, 3)}, tmp_path / "bad.pt")
    lines: list[str] = []
    assert runner.main([tiny, "--weights", str(tmp_path / "bad.pt"), "--results", str(tmp_path)],
                       err=lines.append) == 2
    assert len(lines) == 1 and "does not fit the model" in lines[0] and "missing" in lines[0] \
        and "wrong shape" in lines[0]


def test_weights_head_is_reinitialised_and_prefix_added():
    """An ImageNet-style backbone file (no `net.` prefix, 1,000-class `fc`) into a wrapped 2-class model."""
    from envkit.train.weights import load_into

    class Wrapped(torch.nn.Module):
        def __init__(self, classes: int) -> None:
            super().__init__()
            self.net = torch.nn.Sequential()
            self.net.add_module("conv1", torch.nn.Conv2d(3, 4, 3))
            self.net.add_module("fc", torch.nn.Linear(4, classes))

    donor, model = Wrapped(1000), Wrapped(2)
    state = {k.removeprefix("net."): v for k, v in donor.state_dict().items()}
    assert load_into(model, state, head=("net.fc.",)) == ["net.fc.bias", "net.fc.weight"]
    assert torch.equal(model.net.conv1.weight, donor.net.conv1.weight)


# 7 ---------------------------------------------------------------------------------------------------
@pytest.fixture
def same_images(tmp_path):
    """An ImageFolder tree whose 16 training images are one image: batches differ only by augmentation."""
    from PIL import Image

    pixels = (torch.rand(48, 48, 3, generator=torch.Generator().manual_seed(0)) * 255).to(torch.uint8).numpy()
    for c in ("a", "b"):
        (tmp_path / "img" / "train" / c).mkdir(parents=True)
        for i in range(8):
            Image.fromarray(pixels).save(tmp_path / "img" / "train" / c / f"{i}.png")
    return tmp_path / "img"


def _image_source(root, rank: int, world: int, workers: int):
    wl = wlmod.load("resnet50")
    hp = wl.preset("smoke", {"image_size": 24})
    train, _ = sources.build(str(root), wl.module, hp, 2, rank, world, 0, torch.device("cpu"), workers=workers)
    return train


def test_each_rank_draws_its_own_augmentation(same_images):
    firsts = []
    for rank in (0, 1):
        checkpoint.seed_all(0)  # every rank starts with the same global RNG state, as in a real job
        firsts.append(next(iter(_image_source(same_images, rank, 2, 0).batches(0)))[0])
    assert not torch.equal(firsts[0], firsts[1])  # was: identical crops and flips on every rank


def test_image_augmentation_resumes_exactly(same_images):
    src = _image_source(same_images, 0, 1, 1)
    whole = [x for x, _ in src.batches(1)]
    resumed = [x for x, _ in _image_source(same_images, 0, 1, 1).batches(1, start=3)]
    assert len(resumed) == len(whole) - 3
    for a, b in zip(whole[3:], resumed, strict=True):
        assert torch.equal(a, b)  # was: the worker RNG restarted, other crops than the uninterrupted run


def test_resume_with_another_global_batch_is_refused(tmp_path, tiny):
    res = str(tmp_path)
    runner.run(parse_args([tiny, "--batch", "8", "--steps", "4", "--checkpoint-every", "2", "--results", res,
                           "--run-id", "g"]))
    lines: list[str] = []
    code = runner.main([tiny, "--batch", "4", "--steps", "8", "--resume", "--results", res, "--run-id", "g"],
                       err=lines.append)
    assert code == 2 and "global batch of 8" in lines[0] and "--batch 8" in lines[0]


# 8 ---------------------------------------------------------------------------------------------------
@pytest.mark.slow
def test_micro_batches_match_the_whole_batch_on_the_aigw_model(tmp_path):
    """The real AI-GW model (16 gated blocks, 64 BatchNorms) on copies of one waveform, where every
    micro-batch has the whole batch's statistics: 2 micro-batches must reach the weights and the
    running statistics of one whole batch (the running statistics were updated twice per step)."""
    wl = str(FIXTURES / "aigw_copies")
    res = str(tmp_path)
    runner.run(parse_args([wl, "--results", res, "--run-id", "one"]))
    runner.run(parse_args([wl, "--set", "micro_batches=2", "--results", res, "--run-id", "two"]))
    a, b = _weights(tmp_path / "one" / "model_final.pt"), _weights(tmp_path / "two" / "model_final.pt")
    for k in a:
        if k.endswith("num_batches_tracked"):
            continue
        assert torch.allclose(a[k], b[k], atol=1e-5, rtol=2e-3), (k, (a[k] - b[k]).abs().max())
    assert _metrics(tmp_path / "two")["batchnorm_samples"] == 2


# 9 ---------------------------------------------------------------------------------------------------
def test_estimates_are_labelled_as_estimates():
    files = [ROOT / "README.md", ROOT / "bench" / "README.md", ROOT / "workloads" / "aigw" / "workload.yaml"]
    for path in files:
        for line in path.read_text().splitlines():
            assert "110 GB measured" not in line, (path, line)
            if re.search(r"14 GiB|110 GB", line):
                assert re.search(r"estimat", line, re.I), (path, line)


def test_sampler_never_yields_an_empty_batch():
    batches = list(ShardedBatchSampler(1, 4, 1, 2, shuffle=False, drop_last=False))
    assert batches == [] and np.concatenate(list(ShardedBatchSampler(1, 4, 0, 2, shuffle=False,
                                                                     drop_last=False))).tolist() == [0]


@pytest.mark.slow
def test_bn_recalibrate_gives_eval_mode_the_batch_statistics(tmp_path):
    """After `bn_recalibrate`, eval-mode BatchNorm uses the statistics of the current weights: on copies of
    one waveform the eval-mode output equals the train-mode output (it did not after a few lagging steps)."""
    wl_path = str(FIXTURES / "aigw_copies")
    res = str(tmp_path)
    outs = {}
    for name, extra in (("plain", []), ("recal", ["--set", "bn_recalibrate=2"])):
        runner.run(parse_args([wl_path, "--set", "lr=1e-3", *extra, "--results", res, "--run-id", name]))
        wl = wlmod.load(wl_path)
        model = wl.module.build_model(wl.preset("smoke"))
        model.load_state_dict(_weights(tmp_path / name / "model_final.pt"))
        x, _ = wl.module.synthetic(wl.preset("smoke"), 4, torch.Generator().manual_seed(0))
        with torch.no_grad():
            outs[name] = [(model.eval()(x)[0] - model.train()(x)[0]).abs().max().item()]
    # the rest: running variances are unbiased (n / (n - 1)), batch variances are not
    assert outs["recal"][0] < 0.01 * outs["plain"][0], outs

"""Sharded HDF5 loading: determinism, rank slices of the global batch, resumption, chunked reads, workers."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from envkit.data.loaders import ShardedBatchSampler, contiguous_runs, h5_loader

h5py = pytest.importorskip("h5py")


@pytest.mark.parametrize("block", [1, 4])
def test_ranks_partition_the_global_batch(block):
    one = ShardedBatchSampler(103, batch=8, seed=5, block=block)
    ranks = [ShardedBatchSampler(103, batch=4, rank=r, world_size=2, seed=5, block=block) for r in range(2)]
    one.set_epoch(3)
    for r in ranks:
        r.set_epoch(3)
    assert len(one) == 12 == len(ranks[0]) == len(ranks[1])
    for g, a, b in zip(one, *ranks, strict=True):
        assert sorted(g.tolist()) == sorted(a.tolist() + b.tolist())
        assert not set(a) & set(b)


def test_deterministic_per_epoch_and_resumable():
    s = ShardedBatchSampler(50, batch=5, seed=1)
    s.set_epoch(2)
    full = [b.tolist() for b in s]
    s.set_epoch(2)
    assert [b.tolist() for b in s] == full
    s.set_epoch(2, start=4)
    assert [b.tolist() for b in s] == full[4:]
    s.set_epoch(3)
    assert [b.tolist() for b in s] != full
    s.load_state_dict({"epoch": 2, "start": 9})
    assert len(s) == 1 and s.state_dict() == {"epoch": 2, "start": 9}


def test_block_shuffle_reads_few_runs():
    s = ShardedBatchSampler(1024, batch=32, seed=0, block=16)
    runs = [len(contiguous_runs(b)) for b in s]
    assert max(runs) <= 3  # 32 samples from blocks of 16


def test_too_small_for_a_global_batch():
    with pytest.raises(ValueError, match="fewer than one global batch"):
        ShardedBatchSampler(7, batch=4, world_size=2)


def test_eval_sampler_covers_everything_once():
    parts = [ShardedBatchSampler(11, 2, r, 3, shuffle=False, drop_last=False) for r in range(3)]
    seen = sorted(int(i) for p in parts for b in p for i in b)
    assert seen == list(range(11))


@pytest.mark.parametrize("workers", [0, 2])
def test_h5_loader_rows_and_sharding(tmp_path, workers):
    path = tmp_path / "d.h5"
    x = np.arange(200 * 3, dtype=np.float32).reshape(200, 3)
    with h5py.File(path, "w") as f:
        f["x"], f["y"] = x, np.arange(200)
    loaders = [h5_loader(path, batch=10, rank=r, world_size=2, seed=4, workers=workers) for r in range(2)]
    seen = []
    for loader in loaders:
        loader.sampler.set_epoch(1, start=2)
        for xb, yb in loader:
            assert isinstance(xb, torch.Tensor) and xb.shape == (10, 3)
            assert torch.equal(xb[:, 0], yb.float() * 3)  # rows match their labels
            seen += yb.tolist()
    assert len(seen) == len(set(seen)) == 2 * 10 * (10 - 2)

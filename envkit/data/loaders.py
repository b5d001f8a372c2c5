"""Streaming HDF5 loading sharded by rank: each rank reads only its slice of every global batch.

`ShardedBatchSampler` orders the samples once per epoch from (seed, epoch) alone, cuts the order into
global batches of `batch * world_size`, and gives rank r the r-th slice of each; so a run on N ranks
sees, step by step, exactly the samples one process would see with the global batch, and a run can
resume at any step (`start`). With `block` > 1 it shuffles runs of `block` consecutive samples instead
of single samples, so a batch is read as a few contiguous slices (generated data sets are stored in
random parameter order, so this loses nothing). `H5Batches` reads one batch per `__getitem__` call and
opens the file lazily in each DataLoader worker.

Example:
    >>> s = ShardedBatchSampler(10, batch=2, rank=1, world_size=2, seed=0, shuffle=False)
    >>> [b.tolist() for b in s]
    [[2, 3], [6, 7]]
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from typing import Any, cast

import numpy as np


class ShardedBatchSampler:
    """Per-rank batches of indices: deterministic per epoch, resumable, equal count on every rank."""

    def __init__(self, n: int, batch: int, rank: int = 0, world_size: int = 1, seed: int = 0,
                 shuffle: bool = True, block: int = 1, drop_last: bool = True,
                 subset: int | None = None) -> None:
        if batch < 1 or world_size < 1 or not 0 <= rank < world_size:
            raise ValueError(f"bad sharding: batch={batch}, rank={rank}, world_size={world_size}")
        # evaluation on `subset` samples: the same seeded choice of samples on any rank count (not the
        # first ones, which are class-sorted in an ImageFolder tree)
        self.chosen: np.ndarray | None = None
        if subset is not None and 0 < subset < n:
            self.chosen = np.sort(np.random.default_rng([seed, 0x5EED]).permutation(n)[:subset])
            n = subset
        self.n, self.batch, self.rank, self.world_size = n, batch, rank, world_size
        self.seed, self.shuffle, self.block, self.drop_last = seed, shuffle, max(1, block), drop_last
        self.epoch = 0
        self.start = 0
        if drop_last and self.steps_per_epoch == 0:
            raise ValueError(f"{n} samples are fewer than one global batch ({batch} x {world_size} ranks)")

    @property
    def global_batch(self) -> int:
        return self.batch * self.world_size

    @property
    def steps_per_epoch(self) -> int:
        if self.drop_last:
            return self.n // self.global_batch
        return -(-self.n // self.global_batch)

    def set_epoch(self, epoch: int, start: int = 0) -> None:
        """Select the epoch's order and the first batch to yield (a resumed run's position)."""
        self.epoch, self.start = int(epoch), int(start)

    def order(self, epoch: int) -> np.ndarray:
        """The global sample order of `epoch`."""
        order = self._positions(epoch)
        return order if self.chosen is None else self.chosen[order]

    def _positions(self, epoch: int) -> np.ndarray:
        if not self.shuffle:
            return np.arange(self.n)
        rng = np.random.default_rng([self.seed, epoch])
        if self.block == 1:
            return rng.permutation(self.n)
        starts = rng.permutation(np.arange(0, self.n, self.block))
        return np.concatenate([np.arange(s, min(s + self.block, self.n)) for s in starts])

    def __iter__(self) -> Iterator[np.ndarray]:
        order = self.order(self.epoch)
        g, b = self.global_batch, self.batch
        for step in range(self.start, self.steps_per_epoch):
            chunk = order[step * g:(step + 1) * g]
            if not self.drop_last and len(chunk) < g:  # last partial batch: split it evenly
                part = np.array_split(chunk, self.world_size)[self.rank]
                if len(part):  # fewer samples than ranks: some ranks get none (no empty batches)
                    yield np.sort(part)
            else:
                yield np.sort(chunk[self.rank * b:(self.rank + 1) * b])

    def __len__(self) -> int:
        return max(self.steps_per_epoch - self.start, 0)

    def state_dict(self) -> dict[str, int]:
        return {"epoch": self.epoch, "start": self.start}

    def load_state_dict(self, state: dict[str, int]) -> None:
        self.set_epoch(state["epoch"], state["start"])


def contiguous_runs(sorted_idx: np.ndarray) -> list[tuple[int, int]]:
    """[start, stop) runs of consecutive indices in a sorted index array.

    >>> contiguous_runs(np.array([1, 2, 3, 7, 8]))
    [(1, 4), (7, 9)]
    """
    if len(sorted_idx) == 0:
        return []
    breaks = np.flatnonzero(np.diff(sorted_idx) != 1) + 1
    bounds = np.split(sorted_idx, breaks)
    return [(int(r[0]), int(r[-1]) + 1) for r in bounds]


class H5Batches:
    """Map-style dataset over an HDF5 file whose items are whole batches (index arrays in, tensors out).

    Use with `DataLoader(ds, sampler=ShardedBatchSampler(...), batch_size=None)`.
    """

    def __init__(self, path: str | os.PathLike[str], keys: Sequence[str] = ("x", "y")) -> None:
        import h5py

        self.path = os.fspath(path)
        self.keys = tuple(keys)
        with h5py.File(self.path, "r") as f:
            missing = [k for k in self.keys if k not in f]
            if missing:
                raise ValueError(f"{self.path}: no dataset {', '.join(missing)} (has {', '.join(f)})")
            self.length = len(f[self.keys[0]])
        self._file: Any = None
        self._pid = -1

    def __len__(self) -> int:
        return self.length

    def _open(self) -> Any:
        if self._file is None or self._pid != os.getpid():  # one handle per (worker) process
            import h5py

            self._file = h5py.File(self.path, "r")
            self._pid = os.getpid()
        return self._file

    def __getitem__(self, idx: np.ndarray) -> tuple[Any, ...]:
        import torch

        f = self._open()
        runs = contiguous_runs(np.asarray(idx))
        out = []
        for key in self.keys:
            ds = f[key]
            parts = [ds[a:b] for a, b in runs]
            out.append(torch.from_numpy(np.concatenate(parts) if len(parts) > 1 else parts[0]))
        return tuple(out)

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_file"], state["_pid"] = None, -1
        return state


def h5_loader(path: str | os.PathLike[str], batch: int, rank: int = 0, world_size: int = 1, seed: int = 0,
              shuffle: bool = True, block: int = 16, workers: int = 2, pin_memory: bool = False,
              drop_last: bool = True, keys: Sequence[str] = ("x", "y"), subset: int | None = None) -> Any:
    """A DataLoader over an HDF5 file, sharded by rank; call `loader.sampler.set_epoch(e, start)` first.

    >>> # loader = h5_loader("train.h5", batch=64, rank=r, world_size=w)
    >>> # loader.sampler.set_epoch(3, start=10); x, y = next(iter(loader))
    """
    import torch
    from torch.utils.data import DataLoader

    ds = H5Batches(path, keys)
    sampler = ShardedBatchSampler(len(ds), batch, rank, world_size, seed, shuffle, block, drop_last, subset)
    gen = torch.Generator().manual_seed(seed)  # keeps the global RNG untouched by DataLoader
    return DataLoader(cast(Any, ds), sampler=sampler, batch_size=None, num_workers=workers, pin_memory=pin_memory,
                      generator=gen, persistent_workers=False, prefetch_factor=4 if workers else None)

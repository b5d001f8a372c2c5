"""Where training batches come from: synthetic tensors on the device, HDF5 files, or an ImageFolder tree.

Every source gives each rank its slice of the same global batches (see envkit.data.loaders), fixed by
(seed, epoch) alone, and can start an epoch at any step: what `--resume` needs. Batches arrive on the
device (pinned memory and non-blocking copies for file data).

`--data` may be: nothing (synthetic, Horovod-benchmark style, kept on the device); a folder with
train.h5 (and val.h5); one .h5 file; or an ImageFolder tree (class sub-folders, or train/ and val/
holding them).

Example:
    >>> import torch
    >>> src = DeviceSource(torch.arange(8.0)[:, None], torch.arange(8), batch=2, seed=0)
    >>> src.steps_per_epoch, len(list(src.batches(0, start=3)))
    (4, 1)
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, cast

import torch

from envkit.data.loaders import ShardedBatchSampler, h5_loader
from envkit.train.hparams import runner_params

Batch = tuple[torch.Tensor, torch.Tensor]


class SourceError(ValueError):
    """Data that cannot be used (printed as one line)."""


def _to_device(t: torch.Tensor, device: torch.device, channels_last: bool) -> torch.Tensor:
    t = t.to(device, non_blocking=True)
    if channels_last and t.dim() == 4:
        t = t.contiguous(memory_format=torch.channels_last)
    return t


class DeviceSource:
    """A pool of samples kept on the device; each epoch is a permutation of `epoch_samples` indices
    (taken modulo the pool size, so a small pool can stand for a large epoch)."""

    def __init__(self, x: torch.Tensor, y: torch.Tensor, batch: int, rank: int = 0, world_size: int = 1,
                 seed: int = 0, epoch_samples: int | None = None, shuffle: bool = True,
                 channels_last: bool = False, drop_last: bool = True, subset: int | None = None) -> None:
        self.x, self.y = x, y
        if channels_last and x.dim() == 4:
            self.x = x.contiguous(memory_format=torch.channels_last)
        self.pool = len(x)
        self.sampler = ShardedBatchSampler(epoch_samples or self.pool, batch, rank, world_size, seed,
                                           shuffle=shuffle, drop_last=drop_last, subset=subset)
        self._epoch = -1
        self._order: torch.Tensor | None = None

    @property
    def steps_per_epoch(self) -> int:
        return self.sampler.steps_per_epoch

    def batches(self, epoch: int, start: int = 0) -> Iterator[Batch]:
        s = self.sampler
        if self._epoch != epoch:  # one host-to-device copy of the epoch's order
            order = s.order(epoch) % self.pool
            self._order = torch.from_numpy(order).to(self.x.device, non_blocking=True)
            self._epoch = epoch
        assert self._order is not None
        if not s.drop_last:  # evaluation: uneven last batch, host-side indices are fine
            s.set_epoch(epoch, start)
            for idx in s:
                dev_idx = torch.from_numpy(idx % self.pool).to(self.x.device)
                yield self.x[dev_idx], self.y[dev_idx]
            return
        g, b = s.global_batch, s.batch
        for step in range(start, s.steps_per_epoch):
            lo = step * g + s.rank * b
            rows = self._order[lo:lo + b]
            yield self.x[rows], self.y[rows]  # keeps channels_last (index_select would not); no sync


class LoaderSource:
    """A DataLoader whose sampler is a ShardedBatchSampler (HDF5 or ImageFolder)."""

    def __init__(self, loader: Any, device: torch.device, channels_last: bool = False) -> None:
        self.loader, self.device, self.channels_last = loader, device, channels_last
        self.sampler: ShardedBatchSampler = loader.sampler if loader.batch_sampler is None \
            else loader.batch_sampler

    @property
    def steps_per_epoch(self) -> int:
        return self.sampler.steps_per_epoch

    def batches(self, epoch: int, start: int = 0) -> Iterator[Batch]:
        self.sampler.set_epoch(epoch, start)
        if isinstance(self.loader.dataset, SeededSamples):
            self.loader.dataset.set_epoch(epoch)  # workers get a copy with this epoch when iteration starts
        for x, y in self.loader:
            yield _to_device(x, self.device, self.channels_last), _to_device(y, self.device, False)


class SeededSamples(torch.utils.data.Dataset):
    """A dataset whose random augmentation of sample i in epoch e is drawn from seed (seed, e, i).

    So every rank draws different crops and flips (its own samples), the draws do not depend on the
    rank count, the worker count or which worker reads a sample, and a resumed run (any step) augments
    exactly as the uninterrupted one: there is no worker RNG state to save.

    >>> ds = SeededSamples([0, 1, 2], seed=3)
    >>> ds.set_epoch(1); ds[2]
    2
    """

    def __init__(self, dataset: Any, seed: int) -> None:
        self.dataset, self.seed, self.epoch = dataset, int(seed), 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = int(epoch)

    def __len__(self) -> int:
        return len(self.dataset)

    def __getitem__(self, index: int) -> Any:
        import random

        import numpy as np

        state = int(np.random.SeedSequence([self.seed, self.epoch, int(index)]).generate_state(1)[0])
        saved = random.getstate()
        try:
            with torch.random.fork_rng(devices=[]):  # the caller's torch stream is left untouched
                torch.manual_seed(state)
                random.seed(state)
                return self.dataset[index]
        finally:
            random.setstate(saved)


def _val_sampler(n: int, batch: int, rank: int, world: int, seed: int = 0,
                 subset: int | None = None) -> ShardedBatchSampler:
    return ShardedBatchSampler(n, batch, rank, world, seed, shuffle=False, drop_last=False, subset=subset)


def eval_subset(hp: Mapping[str, Any], batch: int) -> int | None:
    """Validation samples in all when the preset caps them (`eval_batches` x the per-device batch, the
    same seeded subset on any rank count), else None: the whole validation set."""
    limit = runner_params(hp).eval_batches
    return int(limit) * batch if limit else None


def synthetic(module: Any, hp: Mapping[str, Any], batch: int, rank: int, world: int, seed: int,
              device: torch.device, channels_last: bool) -> tuple[DeviceSource, DeviceSource]:
    """Train and validation pools from the workload's `synthetic(hp, n, generator)`, on the device.

    The pool is `synthetic_pool` samples on every rank whatever the rank count (an epoch's indices are
    taken modulo the pool), so data memory per device does not grow with the number of devices.
    """
    rp = runner_params(hp)
    pool = int(rp.synthetic_pool)
    gen = torch.Generator().manual_seed(seed)
    x, y = module.synthetic(hp, pool, gen)
    vx, vy = module.synthetic(hp, int(rp.val_samples), torch.Generator().manual_seed(seed + 1))
    epoch_samples = int(rp.epoch_samples or max(pool, batch * world))
    train = DeviceSource(x.to(device), y.to(device), batch, rank, world, seed,
                         epoch_samples=epoch_samples, channels_last=channels_last)
    val = DeviceSource(vx.to(device), vy.to(device), batch, rank, world, seed, shuffle=False,
                       channels_last=channels_last, drop_last=False, subset=eval_subset(hp, batch))
    return train, val


def test_set(module: Any, hp: Mapping[str, Any], seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The synthetic held-out test set (seed + 2; train is seed, validation seed + 1)."""
    rp = runner_params(hp)
    n = int(rp.test_samples if rp.test_samples is not None else rp.val_samples)
    return module.synthetic(hp, n, torch.Generator().manual_seed(seed + 2))


def class_index(module: Any, found: list[str], where: str) -> Any:
    """A target transform from a data set's class indices (`found`: its class names by index) to the
    workload's (`module.CLASSES`), by name; identity for a workload without CLASSES. SourceError (one
    line) for a class the workload does not know.

    >>> class M: CLASSES = ("elliptical", "spiral")
    >>> class_index(M, ["spiral"], "d")(0)
    1
    """
    names = tuple(getattr(module, "CLASSES", ()) or ())
    if not names:
        return None
    unknown = [c for c in found if c not in names]
    if unknown:
        raise SourceError(f"{where}: class folder(s) {', '.join(unknown)} not among this workload's classes "
                          f"({', '.join(names)})")
    return _ClassIndex([names.index(c) for c in found])


class _ClassIndex:
    """Picklable map from a data set's class index to the workload's (DataLoader workers copy it)."""

    def __init__(self, table: list[int]) -> None:
        self.table = table

    def __call__(self, index: int) -> int:
        return self.table[index]


def image_folder(module: Any, hp: Mapping[str, Any], folder: Path, train: bool) -> Any:
    """torchvision's ImageFolder over `folder` with the workload's transforms, its labels the
    workload's class indices by folder name (ImageFolder numbers the sorted folder names)."""
    from torchvision.datasets import ImageFolder

    ds = ImageFolder(str(folder), transform=module.image_transforms(hp, train))
    ds.target_transform = class_index(module, list(ds.classes), str(folder))
    return ds


def check_h5(module: Any, hp: Mapping[str, Any], path: Path) -> None:
    """SourceError (one line) when an HDF5 file does not fit the run: classes (attribute `classes`)
    numbered otherwise than the workload's CLASSES (a file written before classes followed folder-name
    order), or images (N, H, W) of another size than the preset's `image_size` (the model would train
    at the stamp size while the preset says another)."""
    import json

    import h5py

    names = tuple(getattr(module, "CLASSES", ()) or ())
    with h5py.File(path, "r") as f:
        stored = f.attrs.get("classes")
        shape = tuple(f["x"].shape) if "x" in f else ()
    if names and stored is not None and tuple(json.loads(stored)) != names:
        raise SourceError(f"{path}: classes {json.loads(stored)} by label, this workload numbers them "
                          f"{list(names)}; regenerate it with `envkit data`")
    size = hp.get("image_size")
    if size and len(shape) >= 3 and tuple(shape[-2:]) != (int(size), int(size)):
        raise SourceError(f"{path}: images are {shape[-2]} x {shape[-1]} px, the preset's image_size is {size}: "
                          f"regenerate with `envkit data aides --size {size}` or pass --set image_size={shape[-1]}")


def _image_folder(module: Any, hp: Mapping[str, Any], root: Path, batch: int, rank: int, world: int,
                  seed: int, device: torch.device, channels_last: bool,
                  workers: int) -> tuple[LoaderSource, LoaderSource | None]:
    from torch.utils.data import DataLoader

    if not hasattr(module, "image_transforms"):
        raise SourceError(f"{root}: this workload does not read image folders")
    train_root = root / "train" if (root / "train").is_dir() else root
    val_root = root / "val" if (root / "val").is_dir() else None
    pin = device.type == "cuda"

    def make(folder: Path, train: bool) -> LoaderSource:
        ds = SeededSamples(image_folder(module, hp, folder, train), seed)
        sampler = ShardedBatchSampler(len(ds), batch, rank, world, seed, shuffle=train, drop_last=train) \
            if train else _val_sampler(len(ds), batch, rank, world, seed, eval_subset(hp, batch))
        loader = DataLoader(ds, batch_sampler=cast(Any, sampler), num_workers=workers, pin_memory=pin,
                            generator=torch.Generator().manual_seed(seed))
        return LoaderSource(loader, device, channels_last)

    return make(train_root, True), (make(val_root, False) if val_root else None)


def build(data: str | None, module: Any, hp: Mapping[str, Any], batch: int, rank: int, world: int, seed: int,
          device: torch.device, channels_last: bool = False,
          workers: int | None = None) -> tuple[Any, Any | None]:
    """(train source, validation source or None) for `--data` (see the module docstring)."""
    if not data:
        try:
            return synthetic(module, hp, batch, rank, world, seed, device, channels_last)
        except ValueError as exc:
            raise SourceError(f"synthetic data: {exc}") from None
    root = Path(data)
    workers = int(runner_params(hp).loader_workers if workers is None else workers)
    pin = device.type == "cuda"
    if root.is_file() and root.suffix in (".h5", ".hdf5"):
        train_file, val_file = root, None
    elif (root / "train.h5").is_file():
        train_file, val_file = root / "train.h5", root / "val.h5"
        if not val_file.is_file():
            val_file = None
    elif root.is_dir():
        return _image_folder(module, hp, root, batch, rank, world, seed, device, channels_last, workers)
    else:
        raise SourceError(f"--data {data}: no such file or folder")
    for path in (train_file, val_file):
        if path is not None:
            check_h5(module, hp, path)
    try:
        train = h5_loader(train_file, batch, rank, world, seed, shuffle=True,
                          block=int(runner_params(hp).read_block), workers=workers, pin_memory=pin)
    except ValueError as exc:
        raise SourceError(f"{train_file}: {exc}") from None
    val = None
    if val_file is not None:
        val = h5_loader(val_file, batch, rank, world, seed, shuffle=False, workers=min(workers, 1),
                        pin_memory=pin, drop_last=False, subset=eval_subset(hp, batch))
    return LoaderSource(train, device, channels_last), (LoaderSource(val, device, channels_last)
                                                        if val is not None else None)


def calibration_batches(src: Any, n: int, batch: int) -> Iterator[Batch]:
    """`n` training batches of `batch` samples that do not depend on the rank or the rank count: the
    first batches of epoch 0 as one process would see them (BatchNorm recalibration on every rank, so
    validation does not depend on how many ranks trained).

    >>> a = DeviceSource(torch.arange(16.0)[:, None], torch.arange(16), batch=2, rank=1, world_size=2, seed=3)
    >>> b = DeviceSource(torch.arange(16.0)[:, None], torch.arange(16), batch=4, seed=3)
    >>> rows = [[x.flatten().tolist() for x, _ in calibration_batches(s, 2, 4)] for s in (a, b)]
    >>> rows[0] == rows[1], len(rows[0][0])
    (True, 4)
    """
    s: ShardedBatchSampler = src.sampler
    one = ShardedBatchSampler(s.n if s.chosen is None else len(s.chosen), batch, 0, 1, s.seed, shuffle=s.shuffle,
                              block=s.block, drop_last=False)
    if isinstance(src, DeviceSource):
        for i, idx in enumerate(one):
            if i >= n:
                return
            rows = torch.from_numpy(idx % src.pool).to(src.x.device)
            yield src.x[rows], src.y[rows]
        return
    from torch.utils.data import DataLoader

    loader = src.loader
    if loader.batch_sampler is None:  # HDF5: the dataset reads whole batches
        new = DataLoader(loader.dataset, sampler=one, batch_size=None, num_workers=0)
    else:
        new = DataLoader(loader.dataset, batch_sampler=cast(Any, one), num_workers=0)
    yield from limit(LoaderSource(new, src.device, src.channels_last).batches(0), n)


def sample_shape(src: Any) -> tuple[int, ...]:
    """The shape of one training sample as the model receives it (metrics.json `input_shape`): the
    real image size, whatever the preset says.

    >>> sample_shape(DeviceSource(torch.zeros(4, 3, 8, 8), torch.zeros(4), batch=2))
    (3, 8, 8)
    """
    if isinstance(src, DeviceSource):
        return tuple(src.x.shape[1:])
    ds = src.loader.dataset
    if isinstance(ds, SeededSamples):
        return tuple(ds.dataset[0][0].shape)
    import numpy as np

    return tuple(ds[np.array([0])][0].shape[1:])


def limit(batches: Iterator[Batch], n: int | None) -> Iterator[Batch]:
    """At most `n` batches (all when n is None)."""
    for i, b in enumerate(batches):
        if n is not None and i >= n:
            return
        yield b




def test_source(data: str | None, module: Any, hp: Mapping[str, Any], batch: int, rank: int, world: int, seed: int,
                device: torch.device, workers: int = 0) -> tuple[Any | None, str]:
    """(the held-out test split, what it is) for `--data`: synthetic (seed + 2), DIR/test.h5 (what
    `envkit data` writes), or an image tree's test/ folder, else its val/ folder (ImageNet's labelled
    validation set is what the field reports on); (None, why) when there is none. Every sample once,
    in file order, shared over the ranks."""
    if not data:
        x, y = test_set(module, hp, seed)
        return (DeviceSource(x.to(device), y.to(device), batch, rank, world, seed, shuffle=False, drop_last=False),
                f"synthetic, seed {seed + 2}")
    root = Path(data)
    if root.is_file():
        root = root.parent
    if (root / "test.h5").is_file():
        check_h5(module, hp, root / "test.h5")
        loader = h5_loader(root / "test.h5", batch, rank, world, seed, shuffle=False, workers=workers,
                           pin_memory=device.type == "cuda", drop_last=False)
        return LoaderSource(loader, device), str(root / "test.h5")
    for name in ("test", "val"):
        if (root / name).is_dir() and hasattr(module, "image_transforms"):
            from torch.utils.data import DataLoader

            ds = image_folder(module, hp, root / name, False)
            sampler = cast(Any, _val_sampler(len(ds), batch, rank, world))
            loader = DataLoader(ds, batch_sampler=sampler, num_workers=workers, pin_memory=device.type == "cuda")
            what = str(root / name) if name == "test" else \
                f"{root / name} (no test/ folder: the validation set, also the early-stopping set)"
            return LoaderSource(loader, device), what
    return None, f"{data}: no test.h5 and no test/ or val/ image folder"

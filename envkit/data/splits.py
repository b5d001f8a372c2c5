"""What both generators share: the train/val/test split and the chunk files they resume from.

Example:
    >>> split_sizes(1000)
    {'train': 800, 'val': 100, 'test': 100}
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from envkit.data.atomic import atomic_path, write_json

SPLITS = (("train", 0.8), ("val", 0.1), ("test", 0.1))


def split_sizes(n: int) -> dict[str, int]:
    """How many of `n` samples go to each split (the test split takes the rounding)."""
    n_train = round(SPLITS[0][1] * n)
    n_val = round(SPLITS[1][1] * n)
    return {"train": n_train, "val": n_val, "test": n - n_train - n_val}


def write_chunk_file(path: str | os.PathLike[str], x: Any, y: Any, params: Any) -> int:
    """One resumable chunk as HDF5 (x, y, params), under a temp name then renamed; returns its row count."""
    import h5py

    with atomic_path(path) as tmp, h5py.File(tmp, "w") as f:
        f["x"], f["y"], f["params"] = x, y, params
    return len(x)


def finish(manifest_path: Path, manifest: dict[str, Any], chunk_paths: list[Path], plan_path: Path) -> dict[str, Any]:
    """Write the data set's manifest (the mark that it is complete), then drop the chunks it was assembled from."""
    write_json(manifest_path, manifest)
    for chunk in chunk_paths:
        chunk.unlink(missing_ok=True)
    plan_path.unlink(missing_ok=True)
    plan_path.parent.rmdir()
    return manifest

"""Checkpoints that survive SIGKILL: written to a temporary name and renamed, with every RNG state.

A checkpoint holds the step, the model (unwrapped), optimizer, schedule and grad-scaler states, every
rank's RNG states (torch CPU and CUDA, numpy, random), and the run's history, so `--resume` continues
exactly where the last checkpoint left off.

Example:
    >>> import tempfile, pathlib, torch
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "checkpoint.pt"
    >>> save(p, {"step": 3, "rng": [rng_state()]})
    >>> load(p)["step"]
    3
"""

from __future__ import annotations

import os
import pickle
import random
from pathlib import Path
from typing import Any

import numpy as np
import torch

from envkit.data.atomic import atomic_path

FILENAME = "checkpoint.pt"


def rng_state() -> dict[str, Any]:
    """This process's RNG states, as tensors and plain numbers only (so `load` needs no pickled classes:
    numpy's state array travels as a tensor)."""
    kind, keys, pos, has_gauss, cached = np.random.get_state()
    state: dict[str, Any] = {"torch": torch.get_rng_state(),
                             "numpy": (str(kind), torch.from_numpy(np.asarray(keys, dtype=np.int64)), int(pos),
                                       int(has_gauss), float(cached)),
                             "random": random.getstate()}
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state["cuda"] = torch.cuda.get_rng_state()
    return state


def set_rng_state(state: dict[str, Any]) -> None:
    """Restore what `rng_state` captured."""
    torch.set_rng_state(state["torch"])
    kind, keys, pos, has_gauss, cached = state["numpy"]
    keys = keys.numpy() if isinstance(keys, torch.Tensor) else np.asarray(keys)
    np.random.set_state((kind, keys.astype(np.uint32), pos, has_gauss, cached))
    random.setstate(state["random"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state(state["cuda"])


def seed_all(seed: int) -> None:
    """Seed torch (CPU and CUDA), numpy and random."""
    torch.manual_seed(seed)
    np.random.seed(seed % 2**32)
    random.seed(seed)


def save(path: str | os.PathLike[str], state: dict[str, Any]) -> None:
    """torch.save `state` to `path` atomically (temp file in the same folder, fsync, os.replace)."""
    with atomic_path(path) as tmp:
        torch.save(state, tmp)


def load(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Load a checkpoint written by `save` (tensors on the CPU) with `weights_only=True`: tensors, numbers,
    strings and containers only, so a checkpoint from someone else cannot run code (a pickled object, the
    classic payload, is refused in one line, before anything of it runs)."""
    p = Path(path)
    try:
        state = torch.load(p, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        what = next((line.strip() for line in str(exc).splitlines() if "Unsupported" in line
                     or "GLOBAL" in line), "not a plain checkpoint")
        raise CheckpointError(f"{p}: refused: it holds more than tensors and numbers ({what[:160]}); "
                              "envkit loads checkpoints with weights_only=True (no code from data)") from None
    except (RuntimeError, EOFError, ValueError, OSError) as exc:
        raise CheckpointError(f"{p}: not a readable checkpoint ({' '.join(str(exc).split())[:160]})") from None
    if not isinstance(state, dict):
        raise CheckpointError(f"{p}: not an envkit checkpoint (expected a mapping, got {type(state).__name__})")
    return state


class CheckpointError(ValueError):
    """A checkpoint that is refused or unreadable (one line)."""

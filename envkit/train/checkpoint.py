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
import random
from pathlib import Path
from typing import Any

import numpy as np
import torch

from envkit.data.atomic import atomic_path

FILENAME = "checkpoint.pt"


def rng_state() -> dict[str, Any]:
    """This process's RNG states."""
    state: dict[str, Any] = {"torch": torch.get_rng_state(), "numpy": np.random.get_state(),
                             "random": random.getstate()}
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state["cuda"] = torch.cuda.get_rng_state()
    return state


def set_rng_state(state: dict[str, Any]) -> None:
    """Restore what `rng_state` captured."""
    torch.set_rng_state(state["torch"])
    np.random.set_state(state["numpy"])
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
    """Load a checkpoint written by `save` (tensors on the CPU)."""
    return torch.load(Path(path), map_location="cpu", weights_only=False)

"""`--weights FILE`: initial weights loaded strictly, with the usual wrappers' key prefixes removed.

A state_dict saved from a DDP-wrapped model has `module.` before every key, one from `torch.compile`
`_orig_mod.`; both are removed. When the file's keys lack a prefix every model key has (a timm
Xception's `conv1.weight` for envkit's `net.conv1.weight`), that prefix is added. Then every key must
match in name and shape, except the workload's classifier head (`HEAD` in its model.py, e.g. `net.fc.`),
which is re-initialised when its shape differs (transfer learning to 2 classes). Anything else is an
error that names the first differing keys, never a silent partial load.

Example:
    >>> import torch
    >>> m = torch.nn.Linear(2, 1)
    >>> state = {"module." + k: v for k, v in m.state_dict().items()}
    >>> load_into(m, state)
    []
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

import torch

WRAPPER_PREFIXES = ("module.", "_orig_mod.")


class WeightsError(ValueError):
    """Weights that do not fit the model (printed as one line)."""


def _strip(key: str) -> str:
    changed = True
    while changed:
        changed = False
        for prefix in WRAPPER_PREFIXES:
            if key.startswith(prefix):
                key, changed = key[len(prefix):], True
    return key


def _common_prefix(keys: Sequence[str]) -> str:
    """The first dotted component shared by every key ('net.'), or ''."""
    firsts = {k.split(".", 1)[0] for k in keys}
    return f"{firsts.pop()}." if len(firsts) == 1 and all("." in k for k in keys) else ""


def read(path: str | os.PathLike[str]) -> dict[str, torch.Tensor]:
    """A state_dict from a file: a plain state_dict, or a checkpoint holding one under `model`/`state_dict`."""
    try:
        obj = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 - any unreadable file is one user error
        raise WeightsError(f"--weights {path}: not a readable PyTorch state_dict ({type(exc).__name__})") from None
    for key in ("model", "state_dict"):
        if isinstance(obj, dict) and isinstance(obj.get(key), dict):
            obj = obj[key]
    if not isinstance(obj, dict) or not all(isinstance(v, torch.Tensor) for v in obj.values()):
        raise WeightsError(f"--weights {path}: expected a state_dict (names -> tensors)")
    return obj


def load_into(model: torch.nn.Module, state: Mapping[str, Any], head: Sequence[str] = (),
              source: str = "--weights") -> list[str]:
    """Load `state` into `model` strictly (see the module docstring); returns the re-initialised head keys."""
    own = model.state_dict()
    state = {_strip(k): v for k, v in state.items()}
    prefix = _common_prefix(list(own))
    if prefix and not any(k in own for k in state) and any(prefix + k in own for k in state):
        state = {prefix + k: v for k, v in state.items()}
    in_head = lambda k: any(k.startswith(h) for h in head)  # noqa: E731
    skipped = [k for k, v in state.items() if in_head(k) and k in own and own[k].shape != v.shape]
    skipped += [k for k in state if in_head(k) and k not in own]
    missing = [k for k in own if k not in state and not in_head(k)]
    unexpected = [k for k in state if k not in own and not in_head(k)]
    wrong = [f"{k} {tuple(state[k].shape)} vs {tuple(own[k].shape)}" for k in own
             if k in state and not in_head(k) and state[k].shape != own[k].shape]
    problems = []
    for what, keys in (("missing", missing), ("unexpected", unexpected), ("wrong shape", wrong)):
        if keys:
            problems.append(f"{len(keys)} {what} ({', '.join(keys[:3])}{', ...' if len(keys) > 3 else ''})")
    if problems:
        raise WeightsError(f"{source}: does not fit the model: {'; '.join(problems)}")
    load = {k: v for k, v in state.items() if k in own and k not in skipped}
    model.load_state_dict({**{k: v for k, v in own.items() if k not in load}, **load}, strict=True)
    return sorted(set(skipped))

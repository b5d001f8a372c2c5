"""Find a workload (by name or path), read its workload.yaml, load its model.py by path, merge a preset.

A workload folder holds `workload.yaml` (name, description, dependencies, metric, model_keys: the preset
keys its model reads, presets) and
`model.py`, which defines:

- `build_model(hp) -> nn.Module`
- `loss(outputs, target) -> Tensor` (a scalar, computed in float32)
- `evaluate(outputs, target) -> dict[str, Tensor]`: per-batch sums; `summarize(sums, count)` turns the
  sums (over all batches and ranks) into metrics
- `synthetic(hp, n, generator) -> (x, y)`: a learnable synthetic set, kept on the device
- optionally `image_transforms(hp, train)` for ImageFolder data.

Names are searched in $ENVKIT_WORKLOADS (os.pathsep list), envkit's own workloads/ folder,
/opt/envkit/workloads (inside an envkit image), and ./workloads.

Example:
    >>> wl = load("aigw")
    >>> wl.preset("smoke")["seq_len"]
    2048
"""

from __future__ import annotations

import importlib.util
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

REQUIRED = ("build_model", "loss", "evaluate", "summarize", "synthetic")


class WorkloadError(ValueError):
    """A workload that cannot be found or read (printed as one line)."""


def search_dirs() -> list[Path]:
    """Folders that hold workloads, first match wins."""
    dirs = [Path(p) for p in os.environ.get("ENVKIT_WORKLOADS", "").split(os.pathsep) if p]
    try:
        from envkit.resources import workloads_dir

        dirs.append(workloads_dir())
    except ImportError:
        pass
    dirs += [Path(__file__).resolve().parents[2] / "workloads", Path("/opt/envkit/workloads"),
             Path.cwd() / "workloads"]
    return dirs


def resolve(name_or_path: str) -> Path:
    """The workload folder for `aigw`, `workloads/aigw` or `/abs/path/aigw`."""
    path = Path(name_or_path)
    if (path / "workload.yaml").is_file():
        return path.resolve()
    for d in search_dirs():
        if (d / path.name / "workload.yaml").is_file():
            return (d / path.name).resolve()
    known = sorted({p.parent.name for d in search_dirs() if d.is_dir() for p in d.glob("*/workload.yaml")})
    raise WorkloadError(f"unknown workload {name_or_path!r} (known: {', '.join(known) or 'none'})")


@dataclass
class Workload:
    """A loaded workload: its folder, its workload.yaml and its model module."""

    name: str
    path: Path
    spec: dict[str, Any]
    module: ModuleType = field(repr=False)

    @property
    def metric(self) -> str:
        return str(self.spec.get("metric", "val_loss"))

    @property
    def metric_mode(self) -> str:
        return str(self.spec.get("metric_mode", "min"))

    def presets(self) -> list[str]:
        return list(self.spec.get("presets", {}))

    def preset(self, name: str, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
        """The preset's hyperparameters with `overrides` applied; keys neither the runner's nor in the
        workload's `model_keys` are errors (envkit.train.hparams)."""
        presets = self.spec.get("presets") or {}
        if name not in presets:
            raise WorkloadError(f"workload {self.name} has no preset {name!r} "
                                f"(choose from {', '.join(presets)})")
        hp = dict(presets[name] or {})
        hp.update(overrides or {})
        hp["preset"] = name
        from envkit.train import hparams

        return hparams.check(hp, list(self.spec.get("model_keys") or []),
                             f"{self.path / 'workload.yaml'} preset {name}")


def _load_module(name: str, path: Path) -> ModuleType:
    mod_name = f"envkit_workload_{name}"
    spec = importlib.util.spec_from_file_location(mod_name, path)
    if spec is None or spec.loader is None:
        raise WorkloadError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[mod_name] = module  # so dataclasses and pickling find it
    spec.loader.exec_module(module)
    missing = [f for f in REQUIRED if not hasattr(module, f)]
    if missing:
        raise WorkloadError(f"{path} lacks {', '.join(missing)}")
    return module


def load(name_or_path: str) -> Workload:
    """Resolve, read and import a workload."""
    import yaml

    folder = resolve(name_or_path)
    try:
        spec = yaml.safe_load((folder / "workload.yaml").read_text()) or {}
    except yaml.YAMLError as exc:
        raise WorkloadError(f"{folder / 'workload.yaml'}: {' '.join(str(exc).split())}") from None
    if not isinstance(spec, dict):
        raise WorkloadError(f"{folder / 'workload.yaml'}: expected a mapping")
    name = str(spec.get("name", folder.name))
    return Workload(name, folder, spec, _load_module(name, folder / "model.py"))

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

Names are searched as envkit.recipe.workload_spec.search_dirs says: $ENVKIT_WORKLOADS (os.pathsep
list), the user's and envkit's own workloads/ folders, the image's workloads folder, and ./workloads.

Example:
    >>> wl = load("aigw")
    >>> wl.preset("smoke")["seq_len"]
    2048
"""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from envkit.train.errors import WorkloadError  # noqa: F401  (raised here, and re-exported)

if TYPE_CHECKING:
    from envkit.train.hparams import Hparams

REQUIRED = ("build_model", "loss", "evaluate", "summarize", "synthetic")


def resolve(name_or_path: str) -> Path:
    """The workload folder for `aigw`, `workloads/aigw` or `/abs/path/aigw` (envkit.recipe.workload_spec
    finds it, the same way `envkit run` does)."""
    from envkit.errors import EnvkitError
    from envkit.recipe.workload_spec import workload_dir

    try:
        return workload_dir(name_or_path)
    except EnvkitError as exc:
        raise WorkloadError(str(exc)) from None


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

    def preset(self, name: str, overrides: dict[str, Any] | None = None) -> Hparams:
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
    """Resolve, read and import a workload. workload.yaml is read by envkit's one strict YAML reader
    (envkit.profile.yamlsource: size limit, duplicate keys refused with their line), as the recipe reads it."""
    from envkit.errors import EnvkitError
    from envkit.profile.yamlsource import load_yaml_file

    folder = resolve(name_or_path)
    try:
        spec = load_yaml_file(folder / "workload.yaml").data or {}
    except EnvkitError as exc:
        raise WorkloadError(str(exc)) from None
    if not isinstance(spec, dict):
        raise WorkloadError(f"{folder / 'workload.yaml'}: expected a mapping")
    name = str(spec.get("name", folder.name))
    return Workload(name, folder, spec, _load_module(name, folder / "model.py"))

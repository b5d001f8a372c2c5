"""`envkit inspect` and `envkit verify`: the manifest beside a site's image, and drift against it.

verify re-reads the facts from inside the image and compares them with the manifest
recorded at build time, and compares the layer's cache key with the current render
(a profile or recipe edited since the build). Any difference is drift.

Example:
    >>> report = VerifyReport(image="x", drift=["pip package tqdm: 4.67.1 -> 4.0.0"])
    >>> report.ok
    False
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from envkit.errors import EnvkitError
from envkit.pipeline.build import BuildOptions, BuildPlan, LayerPlan, plan_build
from envkit.store.cache import read_record


def _top(opts: BuildOptions) -> tuple[BuildPlan, LayerPlan]:
    plan = plan_build(BuildOptions(**{**opts.__dict__, "dry_run": True}))
    return plan, plan.top


def load_manifest(opts: BuildOptions) -> tuple[BuildPlan, LayerPlan, dict[str, Any]]:
    """The top layer's manifest (site layer, or workload layer with a workload); error when never built."""
    plan, lp = _top(opts)
    try:
        manifest = json.loads(lp.paths.manifest.read_text())
    except (OSError, ValueError):
        raise EnvkitError(f"no manifest for {lp.layer.tag} in {plan.root} "
                          f"(build it first: envkit build --site {plan.profile.name})") from None
    return plan, lp, manifest


@dataclass
class VerifyReport:
    """The outcome of `envkit verify`: what drifted (empty: nothing)."""

    image: str
    drift: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.drift

    def as_dict(self) -> dict[str, Any]:
        return {"image": self.image, "ok": self.ok, "drift": self.drift, "notes": self.notes}


def verify(opts: BuildOptions) -> VerifyReport:
    """Re-read the image's facts from inside it; compare with the manifest and with the current render."""
    from envkit.store.image_manifest import drift

    plan, lp, manifest = load_manifest(opts)
    if not plan.engine.image_exists(plan.root, lp.layer.tag):
        raise EnvkitError(f"image {lp.image} is missing (rebuild: envkit build --site {plan.profile.name})")
    current = plan.engine.inspect(lp.image)
    report = VerifyReport(image=lp.image, drift=drift(manifest, current))
    for layer in plan.layers:
        record = read_record(layer.paths.record) or {}
        if record.get("key") != layer.key:
            report.drift.append(f"recipe: the {layer.layer.kind} layer {layer.layer.tag} no longer matches the "
                                f"current profile and recipes (run envkit build --site {plan.profile.name})")
    from envkit.profile import profile_hash

    if manifest.get("profile_hash") != profile_hash(plan.profile):
        report.notes.append(f"profile hash {manifest.get('profile_hash')} at build, "
                            f"{profile_hash(plan.profile)} now")
    return report

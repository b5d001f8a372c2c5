"""The build manifest of one layer: what was read from inside the image, plus where it came from.

Example:
    >>> a, b = rendered_hash({"site.def": "From: x\\n"}), rendered_hash({"site.def": "From: y\\n"})
    >>> len(a), a == rendered_hash({"site.def": "From: x\\n"}), a == b
    (16, True, False)
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from envkit.pipeline.plan import BuildPlan, LayerPlan


def rendered_hash(files: dict[str, str]) -> str:
    """sha256 of the rendered recipe files (what `envkit render` prints), 16 hex chars."""
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(f"{name}\0{files[name]}\0".encode())
    return digest.hexdigest()[:16]


def layer_manifest(plan: BuildPlan, lp: LayerPlan, facts: dict[str, Any]) -> dict[str, Any]:
    from envkit.profile import profile_hash

    return {
        **facts,
        "image": lp.image, "tag": lp.layer.tag, "layer": lp.layer.kind, "site": plan.profile.name,
        "parent": lp.layer.parent, "recipe_hash": rendered_hash(lp.files), "cache_key": lp.key,
        "profile_hash": profile_hash(plan.profile), "engine": f"{plan.engine.name} {plan.engine_version}",
        "built_at": now_utc(),
    }


def now_utc() -> str:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()

"""What an export reads: an image tree and the facts that go beside it (definitions, labels, env, manifest).

For a built site (`ImageSource.from_plan`), the tree is the Charliecloud image in the store,
the definitions are every layer rendered as a Singularity definition (what Apptainer would
have built from) with the parts an export reads (envkit.recipe.formats.DefinitionParts), the
environment is the image's own (`ch/metadata.json`, the Dockerfiles' ENV), the labels are the
layers' labels, the manifest is the one the build recorded.
`ImageSource.from_tree` takes any tree with a manifest (tests use a small one).

Example:
    >>> epoch_of("2026-11-29T09:00:00+00:00")
    1795942800
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from envkit.errors import EnvkitError

if TYPE_CHECKING:
    from envkit.recipe.formats import DefinitionParts


def epoch_of(iso: str) -> int:
    """Seconds since 1970 of an ISO time (UTC when it names no zone)."""
    stamp = dt.datetime.fromisoformat(iso)
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=dt.timezone.utc)
    return int(stamp.timestamp())


@dataclass
class ImageSource:
    """One image to export."""

    tree: Path
    name: str
    manifest: dict[str, Any]
    definitions: list[DefinitionParts]     # every layer's definition and its parts, base first, top last
    labels: dict[str, str] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)
    cmd: list[str] = field(default_factory=lambda: ["/bin/bash"])

    @property
    def machine(self) -> str:
        return str(self.manifest.get("arch") or "x86_64")

    @property
    def created(self) -> str:
        return dt.datetime.fromtimestamp(self.epoch, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")

    @property
    def epoch(self) -> int:
        built = self.manifest.get("built_at")
        if not built:
            raise EnvkitError(f"the manifest of {self.name} has no built_at (rebuild the image)")
        return epoch_of(str(built))

    @property
    def image_id(self) -> uuid.UUID:
        """A stable ID for the image's SIF: derived from its name and cache key (a new build, a new ID)."""
        return uuid.uuid5(uuid.NAMESPACE_URL, f"envkit:{self.name}:{self.manifest.get('cache_key', '')}")

    @classmethod
    def from_tree(cls, tree: Path, name: str, manifest: dict[str, Any], definitions: list[DefinitionParts],
                  labels: dict[str, str] | None = None) -> ImageSource:
        """A tree with its facts; env from the tree's ch/metadata.json when it has one."""
        return cls(tree=tree, name=name, manifest=manifest, definitions=definitions, labels=labels or {},
                   env=image_env(tree))

    @classmethod
    def from_plan(cls, plan: Any) -> ImageSource:
        """The top layer of a built plan (envkit.pipeline.build.BuildPlan) whose engine keeps image trees."""
        from envkit.recipe.formats import definition_parts

        lp = plan.top
        if not plan.engine.image_is_tree:
            from envkit.registry import ENGINES

            trees = [name for name in ENGINES.names() if ENGINES.get(name).image_is_tree]
            raise EnvkitError(f"exporting from the {plan.engine.name} engine's store is not supported: exports "
                              f"are assembled from an image tree, which {', '.join(trees)} keep (--engine)")
        try:
            manifest = json.loads(lp.paths.manifest.read_text())
        except (OSError, ValueError):
            raise EnvkitError(f"no manifest for {lp.layer.tag} (build it: envkit build --site "
                              f"{plan.profile.name})") from None
        definitions = [definition_parts(layer.layer, plan.profile.name) for layer in plan.layers]
        labels: dict[str, str] = {}
        for layer in plan.layers:
            labels.update(dict(layer.layer.labels))
        tree = Path(lp.image)
        return cls(tree=tree, name=lp.layer.tag, manifest=manifest, definitions=definitions, labels=labels,
                   env=image_env(tree), cmd=["/bin/sh", "-c", lp.layer.runscript] if lp.layer.runscript
                   else ["/bin/bash"])


def image_env(tree: Path) -> dict[str, str]:
    """The image's environment as Charliecloud recorded it (ch/metadata.json "env"), or {}."""
    try:
        meta = json.loads((tree / "ch" / "metadata.json").read_text())
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in (meta.get("env") or {}).items()}

"""The render pipeline in one call: profile -> layer -> files of one output format.

Example:
    >>> files = render_files("local", "site", None, "singularity")
    >>> next(iter(files))
    'site.def'
"""

from __future__ import annotations

from envkit.errors import EnvkitError
from envkit.profile import load_profile
from envkit.recipe.formats import Format, render_layer
from envkit.recipe.layers import base_layer, site_layer, workload_layer
from envkit.recipe.model import Layer

LAYERS = ("base", "site", "workload")


def layer_for(site: str, layer: str, workload: str | None) -> tuple[str, Layer]:
    """Load the profile and build the asked-for layer; returns (site name, layer)."""
    if layer not in LAYERS:
        raise EnvkitError(f"--layer must be one of {', '.join(LAYERS)}, got {layer!r}")
    if layer == "workload" and not workload:
        raise EnvkitError("--layer workload needs --workload NAME")
    profile = load_profile(site)
    if layer == "base":
        return profile.name, base_layer(profile)
    if layer == "site":
        return profile.name, site_layer(profile)
    return profile.name, workload_layer(profile, workload or "")


def render_files(site: str, layer: str, workload: str | None, fmt: Format) -> dict[str, str]:
    """Every file of the rendered layer; the first is the definition or Dockerfile."""
    name, built = layer_for(site, layer, workload)
    return render_layer(built, fmt, name)

"""The render pipeline in one call: profile -> layer -> files of one output format.

Example:
    >>> files = render_files("local", "site", None, "singularity")
    >>> next(iter(files))
    'site.def'
"""

from __future__ import annotations

from envkit.profile import load_profile
from envkit.recipe.formats import Format, render_layer
from envkit.recipe.layers import kinds_upto, layer_of
from envkit.recipe.model import Layer


def layer_for(site: str, layer: str, workload: str | None) -> tuple[str, Layer]:
    """Load the profile and build the asked-for layer; returns (site name, layer)."""
    kinds_upto(layer, workload)  # a bad --layer fails before the profile is read
    profile = load_profile(site)
    return profile.name, layer_of(profile, layer, workload)


def render_files(site: str, layer: str, workload: str | None, fmt: Format) -> dict[str, str]:
    """Every file of the rendered layer; the first is the definition or Dockerfile."""
    name, built = layer_for(site, layer, workload)
    return render_layer(built, fmt, name)

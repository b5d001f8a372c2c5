"""A project folder -> its image layer, read from its lock (the glue between envkit.project and envkit.recipe).

Example:
    >>> from envkit.profile import load_profile
    >>> layer_for(load_profile("local"), Path("/no/such/project"))
    Traceback (most recent call last):
    envkit.errors.EnvkitError: project folder '/no/such/project' does not exist
"""

from __future__ import annotations

from pathlib import Path

from envkit.recipe.model import Layer


def layer_for(profile, folder: Path, fresh_lock: bool = True) -> Layer:
    """The project layer of `folder` for `profile` (a one-line error when its lock is missing or stale)."""
    from envkit.project.lock import load_project_lock
    from envkit.project.spec import load_project
    from envkit.recipe.project_layer import project_layer

    project = load_project(str(folder))
    return project_layer(profile, project, load_project_lock(profile, project, fresh=fresh_lock))

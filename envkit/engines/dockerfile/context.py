"""A Docker-form build context: the Dockerfile (declaring the build's ARGs), the layer's install and test
scripts, and only the files the layer copies (no caches, no venvs), in a fresh folder.

Example:
    >>> import tempfile
    >>> from pathlib import Path
    >>> from envkit.profile import load_profile
    >>> from envkit.recipe.formats import render_layer
    >>> from envkit.recipe.layers import site_layer
    >>> layer = site_layer(load_profile("local"))
    >>> req = BuildRequest(layer=layer, files=render_layer(layer, "docker", "local"), site="local",
    ...                    root=Path("."), tmp_name="t", log=Path("log"))
    >>> sorted(p.name for p in stage_context(Path(tempfile.mkdtemp()) / "ctx", req, []).iterdir())
    ['Dockerfile', 'envkit-local.post.sh', 'envkit-local.test.sh']
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path

from envkit.engines.base import BuildRequest
from envkit.errors import EnvkitError
from envkit.recipe.formats import render_dockerfile
from envkit.resources import locate


def stage_context(ctx: Path, req: BuildRequest, build_args: Sequence[str]) -> Path:
    """Write the context folder: the Dockerfile (declaring the build-time ARGs), its scripts, the files it
    copies."""
    from envkit.store.swap import remove_tree

    remove_tree(ctx)
    ctx.mkdir(parents=True)
    for name, text in req.files.items():
        if name == "Dockerfile":  # rendered again, declaring the build-time ARGs the build passes
            text = render_dockerfile(req.layer, req.site, build_args=build_args)
        (ctx / name).write_text(text)
    for src, _dst in req.layer.files:
        source = Path(src) if src.startswith("/") else locate(src)
        target = ctx / src.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, symlinks=True,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".venv", ".git"))
        elif source.exists():
            shutil.copy2(source, target)
        else:
            raise EnvkitError(f"file {src} named by the {req.layer.kind} layer does not exist ({source})")
    return ctx

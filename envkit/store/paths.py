"""Where built images and their records live.

    $ENVKIT_STORE (default ~/.local/share/envkit, or $XDG_DATA_HOME/envkit)
      <engine>/                    one folder per engine
        <image files>              charliecloud: storage/img/<tag>; apptainer: <tag>.sif
        <tag>.record.json          the cache key the image was built from (written last)
        <tag>.manifest.json        what is inside the image, read from inside it
        <tag>.build.log            the full engine log of the last build
        locks/<tag>.lock           serialises builds of one layer
        engine.lock                serialises every build of this engine

Example:
    >>> from pathlib import Path
    >>> paths = LayerPaths(Path("/s/charliecloud"), "envkit-local")
    >>> paths.record.name, paths.lock.name
    ('envkit-local.record.json', 'envkit-local.lock')
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


def default_store() -> Path:
    """$ENVKIT_STORE, else $XDG_DATA_HOME/envkit, else ~/.local/share/envkit."""
    env = os.environ.get("ENVKIT_STORE")
    if env:
        return Path(env).expanduser()
    from envkit.resources import xdg_data_home

    return xdg_data_home()


def engine_root(store: Path, engine: str) -> Path:
    """The engine's folder in the store."""
    return Path(store) / engine


def engine_lock(root: Path) -> Path:
    """The lock every build of this engine takes, `root` being the engine's folder in the store.

    Example:
        >>> engine_lock(Path("/s/charliecloud")).as_posix()
        '/s/charliecloud/engine.lock'
    """
    return Path(root) / "engine.lock"


@dataclass(frozen=True)
class LayerPaths:
    """The files that go with one layer's image."""

    root: Path
    tag: str

    @property
    def record(self) -> Path:
        return self.root / f"{self.tag}.record.json"

    @property
    def manifest(self) -> Path:
        return self.root / f"{self.tag}.manifest.json"

    @property
    def log(self) -> Path:
        return self.root / f"{self.tag}.build.log"

    @property
    def lock(self) -> Path:
        return self.root / "locks" / f"{self.tag}.lock"

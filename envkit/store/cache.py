"""Layer cache keys and build records: rebuild a layer only when one of its inputs changed.

key = sha256(engine name + version, parent's key, every rendered file, the content of
every file the layer copies). A record beside the image holds the key it was built
from; it is written only after the new image is in place, and removed just before an
image is swapped, so a record never claims an image that is not there.

Example:
    >>> k1 = layer_key({"Dockerfile": "FROM x\\n"}, parent_key="", engine="charliecloud 0.31")
    >>> k2 = layer_key({"Dockerfile": "FROM y\\n"}, parent_key="", engine="charliecloud 0.31")
    >>> len(k1), k1 == k2
    (64, False)
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from envkit.fsutil import atomic_write_text

SKIP_NAMES = {"__pycache__", ".pytest_cache", ".ruff_cache", ".mypy_cache", ".git", ".venv"}
SKIP_SUFFIXES = (".pyc", ".pyo")


def walk_files(root: Path) -> Iterable[Path]:
    """Files under `root` in sorted order, skipping caches and virtual environments."""
    root = Path(root)
    if root.is_file():
        yield root
        return
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_NAMES)
        for name in sorted(filenames):
            if not name.endswith(SKIP_SUFFIXES):
                yield Path(dirpath) / name


def hash_tree(root: Path, digest: Any, content: bool = True) -> None:
    """Feed the names and contents (or sizes and mtimes, for large foreign trees) under `root`."""
    root = Path(root)
    if not root.exists():
        digest.update(f"missing:{root}\n".encode())
        return
    for path in walk_files(root):
        rel = path.relative_to(root) if root.is_dir() else Path(path.name)
        digest.update(f"file:{rel}\n".encode())
        try:  # lstat: a dangling link, a FIFO or an unreadable entry in a host tree is hashed, never followed
            st = path.lstat()
        except OSError as exc:
            digest.update(f"unreadable:{exc.errno}\n".encode())
            continue
        if stat.S_ISLNK(st.st_mode) or not stat.S_ISREG(st.st_mode):
            target = os.readlink(path) if stat.S_ISLNK(st.st_mode) else ""
            digest.update(f"special:{stat.S_IFMT(st.st_mode)}:{target}\n".encode())
        elif content:
            with open(path, "rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(block)
        else:
            digest.update(f"{st.st_size}:{st.st_mtime_ns}\n".encode())


def layer_key(files: Mapping[str, str], *, parent_key: str, engine: str,
              copied: Iterable[Path] = (), foreign: Iterable[Path] = ()) -> str:
    """The cache key of one layer (see the module docstring)."""
    digest = hashlib.sha256()
    digest.update(f"engine:{engine}\nparent:{parent_key}\n".encode())
    for name in sorted(files):
        data = files[name].encode()
        digest.update(f"rendered:{name}:{len(data)}\n".encode())
        digest.update(data)
    for path in copied:
        digest.update(f"copied:{path.name}\n".encode())
        hash_tree(path, digest, content=True)
    for path in foreign:
        digest.update(f"host:{path}\n".encode())
        hash_tree(path, digest, content=False)
    return digest.hexdigest()


def read_record(path: Path) -> dict[str, Any] | None:
    """The build record at `path`, or None when it is missing or unreadable."""
    try:
        data = json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def write_record(path: Path, record: Mapping[str, Any]) -> None:
    """Write a build record atomically."""
    atomic_write_text(Path(path), json.dumps(dict(record), indent=2, sort_keys=True) + "\n")


def drop_record(path: Path) -> None:
    """Forget a record (before its image is replaced)."""
    Path(path).unlink(missing_ok=True)

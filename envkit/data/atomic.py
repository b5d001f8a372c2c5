"""JSON written atomically for data sets, metrics and checkpoints; the atomic write itself is envkit.fsutil's.

Example:
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> write_json(d / "m.json", {"a": 1})
    >>> (d / "m.json").read_text().strip().startswith("{")
    True
"""

from __future__ import annotations

import json
import os
from typing import Any

from envkit.fsutil import atomic_path, atomic_write_text

__all__ = ["atomic_path", "write_json"]


def write_json(path: str | os.PathLike[str], data: Any) -> None:
    """Write `data` as indented JSON, atomically, with the umask's file mode."""
    atomic_write_text(path, json.dumps(data, indent=2, sort_keys=False, default=_jsonable) + "\n")


def _jsonable(obj: Any) -> Any:
    """numpy scalars and paths in JSON."""
    if hasattr(obj, "item"):
        return obj.item()
    if isinstance(obj, os.PathLike):
        return os.fspath(obj)
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")

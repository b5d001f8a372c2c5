"""Read a state file safely: a regular file, at most `limit` bytes, UTF-8 JSON (or TOML), then a model.

Every problem is one `EnvkitError` line naming the file and, for a model error, the field:

    results/r/metrics.json: world_size: expected an integer (got 'two')

Example:
    >>> import json, tempfile, pathlib
    >>> from pydantic import BaseModel
    >>> class Point(BaseModel):
    ...     x: int
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "p.json"
    >>> _ = p.write_text(json.dumps({"x": "one"}))
    >>> try:
    ...     read_model(p, Point)
    ... except EnvkitError as exc:
    ...     print(str(exc).split(": ", 1)[1])
    x: Input should be a valid integer, unable to parse string as an integer (got 'one')
"""

from __future__ import annotations

import copy
import functools
import json
import math
import os
import stat
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from envkit.errors import EnvkitError
from envkit.fsutil import ReadRefusals, read_bounded

M = TypeVar("M", bound=BaseModel)

DEFAULT_LIMIT = 16 * 1024 * 1024   # metrics.json of a 1000-epoch run is well under 1 MiB
MAX_DEPTH = 64


STATE_FILE = ReadRefusals(
    unreadable="cannot be read ({reason})",
    folder="is a folder, expected a file",
    not_regular="is {kind}, expected a file",
    too_large="is {size} bytes, more than the {limit} a state file may have",
    grew="grew past the {limit} bytes a state file may have",
    kind=lambda mode: "a folder" if stat.S_ISDIR(mode) else "not a regular file (a device, FIFO or socket)",
)


def read_bytes(path: str | os.PathLike[str], limit: int = DEFAULT_LIMIT) -> bytes:
    """The bytes of a regular file of at most `limit` bytes (never a FIFO, device or folder: no hang, no
    memory error), else EnvkitError."""
    return read_bounded(path, limit, STATE_FILE)


def _no_constant(token: str) -> float:
    raise ValueError(f"{token} is not a JSON number")


def _depth(value: Any, level: int = 0) -> int:
    if level > MAX_DEPTH:
        return level
    if isinstance(value, dict):
        return max((_depth(v, level + 1) for v in value.values()), default=level)
    if isinstance(value, list):
        return max((_depth(v, level + 1) for v in value), default=level)
    return level


def read_json(path: str | os.PathLike[str], limit: int = DEFAULT_LIMIT) -> Any:
    """Parsed JSON (strict: no NaN/Infinity, no numbers beyond a float's range, at most 64 levels deep)."""
    data = read_bytes(path, limit)
    name = str(path)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise EnvkitError(f"not UTF-8 (byte {exc.start})", file=name) from None
    try:
        value = json.loads(text, parse_constant=_no_constant, parse_float=_finite_float)
    except json.JSONDecodeError as exc:
        raise EnvkitError(f"not JSON ({exc.msg})", file=name, line=exc.lineno) from None
    except (ValueError, RecursionError) as exc:
        raise EnvkitError(f"not JSON ({str(exc)[:80] or exc.__class__.__name__})", file=name) from None
    if _depth(value) > MAX_DEPTH:
        raise EnvkitError(f"nested more than {MAX_DEPTH} levels", file=name)
    return value


def _finite_float(token: str) -> float:
    value = float(token)
    if not math.isfinite(value):
        raise ValueError(f"{token[:20]} is out of a float's range")
    return value


def read_toml(path: str | os.PathLike[str], limit: int = DEFAULT_LIMIT) -> dict[str, Any]:
    """Parsed TOML from a bounded regular file."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # Python 3.10 (envkit.lock.tomlread says the same; records sit below lock in the layering)
        try:
            import tomli as tomllib
        except ModuleNotFoundError:
            raise EnvkitError("reading TOML needs Python >= 3.11 or `pip install tomli`", file=str(path)) from None
    data = read_bytes(path, limit)
    try:
        return copy.deepcopy(_parse_toml(data, tomllib.loads))   # the caller's own copy of a cached parse
    except UnicodeDecodeError as exc:
        raise EnvkitError(f"not UTF-8 (byte {exc.start})", file=str(path)) from None
    except (ValueError, RecursionError) as exc:   # TOMLDecodeError is a ValueError
        raise EnvkitError(f"not TOML ({' '.join(str(exc).split())[:120]})", file=str(path)) from None


@functools.lru_cache(maxsize=128)
def _parse_toml(data: bytes, loads: Callable[[str], dict[str, Any]]) -> dict[str, Any]:
    """TOML parsed once per process for the same bytes (a site's docs read its pylock files once per layer)."""
    return loads(data.decode("utf-8"))


def field_error(exc: ValidationError) -> tuple[str, str]:
    """(dotted field, what was wrong) for the first error of a pydantic ValidationError."""
    err = exc.errors()[0]
    key = ".".join(str(p) for p in err.get("loc", ())) or "(top level)"
    got = err.get("input")
    shown = repr(got)[:60] if not isinstance(got, (dict, list)) else type(got).__name__
    msg = "not of the expected form" if err.get("type") == "string_pattern_mismatch" else err.get("msg", "invalid")
    return key, f"{msg} (got {shown})"


def validate(name: str, data: Any, model: type[M]) -> M:
    """`model` from parsed data; one-line EnvkitError naming `name` and the field."""
    if not isinstance(data, dict):
        raise EnvkitError(f"expected a JSON object at the top level, got {type(data).__name__}", file=name)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        key, what = field_error(exc)
        raise EnvkitError(what, file=name, key=key) from None
    except (ValueError, RecursionError) as exc:   # a version check in a model validator
        raise EnvkitError(str(exc)[:200], file=name) from None


def read_model(path: str | os.PathLike[str], model: type[M], limit: int = DEFAULT_LIMIT) -> M:
    """A JSON state file as `model`, or one EnvkitError line naming the file and the field."""
    return validate(str(path), read_json(path, limit), model)


def read_toml_model(path: str | os.PathLike[str], model: type[M], limit: int = DEFAULT_LIMIT) -> M:
    """A TOML state file as `model`."""
    return validate(str(Path(path)), read_toml(path, limit), model)

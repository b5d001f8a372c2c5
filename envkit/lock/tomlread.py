"""Read TOML (lock files, pyproject.toml): tomllib on Python >= 3.11, tomli on 3.10.

Example:
    >>> load_toml('a = 1')
    {'a': 1}
"""

from __future__ import annotations

import sys
from typing import Any

from envkit.errors import EnvkitError


def load_toml(text: str) -> dict[str, Any]:
    """TOML text -> dict (tomllib on Python >= 3.11, tomli on 3.10)."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # Python 3.10
        try:
            import tomli as tomllib
        except ModuleNotFoundError:
            raise EnvkitError("reading a lock needs Python >= 3.11 or `pip install tomli`") from None
    return tomllib.loads(text)

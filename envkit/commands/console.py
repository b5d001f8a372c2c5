"""What commands write: text on stdout, and the one line that stands for an unexpected exception.

Every command reports bad input by raising `envkit.errors.EnvkitError`; `envkit.cli.main` turns it into one
`error: ...` line and exit 2. This module holds the rest of the output rules.

Example:
    >>> internal_error_line(ValueError("bad  value"))
    'internal error: ValueError: bad value (ENVKIT_DEBUG=1 shows the traceback)'
"""

from __future__ import annotations

import os
import sys


def out(text: str) -> None:
    """Write to stdout, exactly as given."""
    sys.stdout.write(text)


def debug() -> bool:
    """ENVKIT_DEBUG=1: let unexpected exceptions through with their traceback."""
    return os.environ.get("ENVKIT_DEBUG", "") not in ("", "0")


def internal_error_line(exc: BaseException) -> str:
    """One line for a bug: the exception's kind and first words, and how to see the traceback."""
    text = " ".join(str(exc).split())
    text = text if len(text) <= 160 else text[:157] + "..."
    return f"internal error: {exc.__class__.__name__}{': ' + text if text else ''} (ENVKIT_DEBUG=1 shows the traceback)"

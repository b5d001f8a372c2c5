"""One error type for everything a user can get wrong, printed as one line.

Example:
    >>> str(EnvkitError("bad value", file="hal.yaml", key="gpu.per_node", line=12))
    'hal.yaml:12: gpu.per_node: bad value'
"""

from __future__ import annotations


class EnvkitError(Exception):
    """A user-facing error: where it happened (file, line, key path) and what was expected."""

    def __init__(self, message: str, *, file: str | None = None, key: str | None = None,
                 line: int | None = None, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.key = key
        self.line = line
        self.hint = hint

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = self.file + (f":{self.line}" if self.line else "") + ": "
        key = f"{self.key}: " if self.key else ""
        text = f"{where}{key}{self.message}"
        if self.hint:
            text += f" ({self.hint})"
        return printable(" ".join(text.split()))  # always one line, and nothing a terminal would act on


def printable(text: str) -> str:
    """Control, bidirectional-override and lone-surrogate characters shown as escapes (e.g. \\x1b).

    >>> printable("a\\x1b[2Jb\\u202e")
    'a\\\\x1b[2Jb\\\\u202e'
    """
    out = []
    for ch in text:
        code = ord(ch)
        if code < 0x20 or code == 0x7F or 0x80 <= code <= 0x9F or 0xD800 <= code <= 0xDFFF \
                or 0x202A <= code <= 0x202E or 0x2066 <= code <= 0x2069:
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        else:
            out.append(ch)
    return "".join(out)

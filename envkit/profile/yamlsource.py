"""YAML loading that remembers where every key came from (file and line), with hard limits.

pydantic reports errors by key path; this module maps a key path back to the
line a person can open in an editor.

Profiles and bases are shared between people (`extends:`, `ENVKIT_PROFILE_PATH`),
so a YAML file here is someone else's input. What a profile may contain:

* a regular file (not a FIFO, device, folder or /proc entry that claims size 0 and
  streams), at most `MAX_FILE_BYTES` bytes, UTF-8, no NUL or other control bytes;
* plain YAML 1.1 mappings, lists and scalars, nested at most `MAX_DEPTH` levels,
  scalars at most `MAX_SCALAR_CHARS` characters, integers at most `MAX_INT_DIGITS`
  digits, at most `MAX_NODES` nodes in all;
* no anchors (`&a`), aliases (`*a`) or merge keys that use them (`<<: *a`). Aliases
  are what "billion laughs" and self-referencing documents (`a: &a [*a]`) are made
  of; a profile is about a hundred lines and reuses another with `extends:`, so
  refusing them costs nothing and needs no expansion budget;
* no explicit tags (`!!python/...`, `!foo`): SafeLoader would refuse most anyway.

Every refusal is one line: file, line, key and what was expected.

Example:
    >>> doc = parse_yaml_text("gpu:\\n  per_node: 4\\n", "hal.yaml")
    >>> doc.data["gpu"]["per_node"], doc.locate(("gpu", "per_node"))
    (4, ('hal.yaml', 2))
    >>> try:
    ...     parse_yaml_text("a: &a [*a]\\n", "x.yaml")
    ... except EnvkitError as exc:
    ...     print(exc)
    x.yaml:1: a: anchors and aliases (&name, *name) are not allowed in profiles (copy the value, or use extends:)
"""

from __future__ import annotations

import copy
import functools
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from envkit.errors import EnvkitError
from envkit.fsutil import ReadRefusals, read_bounded

KeyPath = tuple[str | int, ...]

MAX_FILE_BYTES = 256 * 1024  # the largest shipped profile is about 4 KiB
MAX_DEPTH = 16  # a profile nests 3 levels (section, key, list)
MAX_SCALAR_CHARS = 4096  # the longest field (a bind) allows 1024
MAX_INT_DIGITS = 20
MAX_NODES = 20000


@dataclass
class YamlDoc:
    """Plain data plus a map from key path to (file, line)."""

    data: Any
    lines: dict[KeyPath, tuple[str, int]] = field(default_factory=dict)
    file: str = "<string>"

    def locate(self, path: KeyPath) -> tuple[str, int | None]:
        """Return (file, line) of the deepest known prefix of `path`."""
        for cut in range(len(path), -1, -1):
            hit = self.lines.get(tuple(path[:cut]))
            if hit:
                return hit
        return (self.file, None)


class _Refused(Exception):
    """A limit was hit while composing; carries the node's line and key path."""

    def __init__(self, message: str, line: int | None, path: KeyPath = ()) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.path = path


class _BoundedLoader(yaml.SafeLoader):
    """SafeLoader with no anchors/aliases/tags, a depth limit and a node budget.

    Composition is recursive in PyYAML (compose_node -> compose_mapping_node -> compose_node), so the
    depth is checked on the way down, long before Python's recursion limit.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._nodes = 0
        self._path: list[str | int] = []

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        event = self.peek_event()
        line = event.start_mark.line + 1 if event.start_mark else None
        if isinstance(parent, yaml.MappingNode) and isinstance(index, yaml.ScalarNode):
            segment: str | int | None = str(index.value)[:64]  # a value: its key
        elif isinstance(parent, yaml.SequenceNode) and isinstance(index, int):
            segment = index
        else:
            segment = None  # the document, or a mapping key itself
        self._path.append(segment)  # type: ignore[arg-type]
        try:
            return self._compose_checked(event, parent, index, line)
        except _Refused as exc:
            if not exc.path:
                exc.path = tuple(p for p in self._path if p is not None)
            raise
        finally:
            self._path.pop()

    def _compose_checked(self, event: yaml.Event, parent: yaml.Node | None, index: Any,
                         line: int | None) -> yaml.Node | None:
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise _Refused("anchors and aliases (&name, *name) are not allowed in profiles "
                           "(copy the value, or use extends:)", line)
        tag = getattr(event, "tag", None)
        if tag is not None and tag != "!":
            raise _Refused(f"explicit YAML tags such as {tag!r} are not allowed in profiles", line)
        if isinstance(event, yaml.ScalarEvent) and len(event.value) > MAX_SCALAR_CHARS:
            raise _Refused(f"value is {len(event.value)} characters long (at most {MAX_SCALAR_CHARS})", line)
        self._nodes += 1
        if self._nodes > MAX_NODES:
            raise _Refused(f"more than {MAX_NODES} values in one file", line)
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise _Refused(f"nested more than {MAX_DEPTH} levels deep", line)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _scalar(node: yaml.Node, loader: yaml.SafeLoader) -> Any:
    """One scalar, with the values Python cannot build (a 5,000-digit int, 2023-02-30) made one line."""
    line = node.start_mark.line + 1
    if node.tag == "tag:yaml.org,2002:int":
        digits = sum(ch.isdigit() for ch in str(node.value))
        if digits > MAX_INT_DIGITS:
            raise _Refused(f"integer with {digits} digits (at most {MAX_INT_DIGITS})", line)
    try:
        value = loader.construct_object(node, deep=True)
    except (ValueError, OverflowError, TypeError) as exc:
        text = str(node.value)
        shown = text if len(text) <= 40 else text[:37] + "..."
        raise _Refused(f"cannot read {shown!r} as a {node.tag.rsplit(':', 1)[-1]} ({exc})", line) from None
    if isinstance(value, str):
        bad = _BAD_CHAR.search(value)
        if bad:  # written as an escape ("\0", "\x1b", "\ud800") inside a quoted string
            raise _Refused(f"value holds the character U+{ord(bad.group()):04X}, which is not text "
                           "(control, bidirectional override or lone surrogate)", line)
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        raise _Refused(f"{node.value!r} is not a finite number", line)
    return value


def _construct(node: yaml.Node, loader: yaml.SafeLoader, file: str, path: KeyPath,
               lines: dict[KeyPath, tuple[str, int]]) -> Any:
    lines[path] = (file, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = _scalar(key_node, loader) if isinstance(key_node, yaml.ScalarNode) else None
            if not isinstance(key, str):
                shown = key if key is not None else f"a {type(key_node).__name__.replace('Node', '').lower()}"
                raise EnvkitError(f"mapping keys must be strings, got {shown!r}", file=file,
                                  key=_dotted(path), line=key_node.start_mark.line + 1)
            if key in out:
                raise EnvkitError(f"duplicate key {key!r}", file=file, key=_dotted(path + (key,)),
                                  line=key_node.start_mark.line + 1)
            out[key] = _construct(value_node, loader, file, path + (key,), lines)
            lines[path + (key,)] = (file, key_node.start_mark.line + 1)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_construct(item, loader, file, path + (i,), lines) for i, item in enumerate(node.value)]
    return _scalar(node, loader)


# Characters no profile value needs: C0/C1 controls but tab, bidirectional overrides, lone surrogates.
_BAD_CHAR = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff]")


def _dotted(path: KeyPath) -> str:
    return ".".join(str(p) for p in path) if path else "(top)"


def _check_text(text: str, file: str) -> None:
    """Control characters YAML would refuse with a multi-line message: say which and where, in one line."""
    if "\x00" in text:
        raise EnvkitError("NUL byte in the file (a profile is plain text)", file=file,
                          line=text.count("\n", 0, text.index("\x00")) + 1)
    bad = _BAD_CHAR.search(text.replace("\r\n", "\n").replace("\n", " ").replace("\t", " "))
    if bad:
        i = bad.start()
        raise EnvkitError(f"character U+{ord(bad.group()):04X} in the file (a profile is plain text: no control "
                          "or bidirectional-override characters)", file=file, line=text.count("\n", 0, i) + 1)


def parse_yaml_text(text: str, file: str) -> YamlDoc:
    """Parse YAML text into a YamlDoc; every failure (syntax or limit) becomes a one-line EnvkitError.

    The same text of the same file is parsed once per process (`envkit docs --all` reads each base and
    workload file once per site): a cache keyed by the file's name and its whole text, so an edited file is
    parsed again; each caller gets its own copy of the data.

    Example:
        >>> parse_yaml_text("a: [1, 2]\\n", "x.yaml").data
        {'a': [1, 2]}
        >>> doc = parse_yaml_text("a: [1, 2]\\n", "x.yaml"); doc.data["a"].append(3)
        >>> parse_yaml_text("a: [1, 2]\\n", "x.yaml").data
        {'a': [1, 2]}
    """
    doc = _parse_cached(text, file)
    return YamlDoc(data=copy.deepcopy(doc.data), lines=dict(doc.lines), file=doc.file)


@functools.lru_cache(maxsize=256)
def _parse_cached(text: str, file: str) -> YamlDoc:
    """parse_yaml_text's work; errors are not cached (lru_cache keeps only returned values)."""
    if len(text) > MAX_FILE_BYTES:
        raise EnvkitError(f"file is larger than {MAX_FILE_BYTES // 1024} KiB (a profile is a few KiB)", file=file)
    _check_text(text, file)
    loader: _BoundedLoader | None = None
    lines: dict[KeyPath, tuple[str, int]] = {}
    try:
        loader = _BoundedLoader(text)  # the reader checks the text here: inside the try
        node = loader.get_single_node()
        if node is None:
            raise EnvkitError("the file is empty (expected a mapping of keys)", file=file, line=1)
        data = _construct(node, loader, file, (), lines)
    except _Refused as exc:
        path_hint = exc.path or _deepest_at(lines, exc.line)
        raise EnvkitError(exc.message, file=file, key=_dotted(path_hint) if path_hint else None,
                          line=exc.line) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        problem = exc.problem or exc.context or "invalid YAML"
        raise EnvkitError(f"invalid YAML: {problem}", file=file, line=line) from None
    except yaml.YAMLError as exc:
        raise EnvkitError(f"invalid YAML: {exc}", file=file) from None
    except RecursionError:  # belt and braces: MAX_DEPTH stops this first
        raise EnvkitError(f"nested too deeply (at most {MAX_DEPTH} levels)", file=file) from None
    finally:
        if loader is not None:
            loader.dispose()
    return YamlDoc(data=data, lines=lines, file=file)


def _deepest_at(lines: dict[KeyPath, tuple[str, int]], line: int | None) -> KeyPath:
    """The last key path recorded at or before `line` (the key a refused value belongs to)."""
    best: KeyPath = ()
    for path, (_file, at) in lines.items():
        if line is not None and at <= line and path and all(isinstance(p, str) for p in path[-1:]):
            best = path
    return best


PROFILE_FILE = ReadRefusals(
    missing="file not found",
    unreadable="cannot read file: {reason}",
    nul_name="file name holds a NUL byte",
    not_regular="not a regular file ({kind}); a profile is a plain YAML file",
    too_large="file is {size} bytes, larger than {limit_kib} KiB (a profile is a few KiB)",
    grew="file is larger than {limit_kib} KiB (a profile is a few KiB)",
)


def read_regular_file(path: Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """Read at most `limit` bytes of a regular file, never blocking on a FIFO or streaming a device.

    O_NONBLOCK keeps `open` from waiting for a FIFO's writer; fstat on the opened descriptor (not the
    name, which could be swapped) decides. Files under /proc report size 0 and are refused by name.
    """
    name = str(path)
    try:
        real = os.path.realpath(name)
    except (OSError, ValueError):
        real = name
    if real in ("/proc", "/sys", "/dev") or (real.startswith(("/proc/", "/sys/", "/dev/"))
                                               and not real.startswith("/dev/shm/")):
        raise EnvkitError("not a regular file (a profile is a plain file, not a /proc, /sys or /dev entry)",
                          file=name)
    return read_bounded(name, limit, PROFILE_FILE)


def load_yaml_file(path: Path) -> YamlDoc:
    """Read and parse one YAML file; unreadable, oversized or non-UTF-8 files are one-line errors."""
    raw = read_regular_file(path)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise EnvkitError(f"not UTF-8 text (byte 0x{raw[exc.start]:02x} cannot be decoded)",
                          file=str(path), line=line) from None
    return parse_yaml_text(text, str(path))

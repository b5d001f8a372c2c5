"""YAML loading that remembers where every key came from (file and line).

pydantic reports errors by key path; this module maps a key path back to the
line a person can open in an editor.

Example:
    >>> doc = parse_yaml_text("gpu:\\n  per_node: 4\\n", "hal.yaml")
    >>> doc.data["gpu"]["per_node"], doc.locate(("gpu", "per_node"))
    (4, ('hal.yaml', 2))
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from envkit.errors import EnvkitError

KeyPath = tuple[str | int, ...]


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


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate mapping keys instead of keeping the last."""


def _construct(node: yaml.Node, loader: yaml.SafeLoader, file: str, path: KeyPath,
               lines: dict[KeyPath, tuple[str, int]]) -> Any:
    lines[path] = (file, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if not isinstance(key, str):
                raise EnvkitError(f"mapping keys must be strings, got {key!r}", file=file,
                                  key=_dotted(path), line=key_node.start_mark.line + 1)
            if key in out:
                raise EnvkitError(f"duplicate key {key!r}", file=file, key=_dotted(path + (key,)),
                                  line=key_node.start_mark.line + 1)
            out[key] = _construct(value_node, loader, file, path + (key,), lines)
            lines[path + (key,)] = (file, key_node.start_mark.line + 1)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_construct(item, loader, file, path + (i,), lines) for i, item in enumerate(node.value)]
    return loader.construct_object(node, deep=True)


def _dotted(path: KeyPath) -> str:
    return ".".join(str(p) for p in path) if path else "(top)"


def parse_yaml_text(text: str, file: str) -> YamlDoc:
    """Parse YAML text into a YamlDoc; syntax errors become one-line EnvkitErrors."""
    loader = _UniqueKeyLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise EnvkitError("the file is empty (expected a mapping of keys)", file=file, line=1)
        lines: dict[KeyPath, tuple[str, int]] = {}
        data = _construct(node, loader, file, (), lines)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        problem = exc.problem or exc.context or "invalid YAML"
        raise EnvkitError(f"invalid YAML: {problem}", file=file, line=line) from None
    except yaml.YAMLError as exc:
        raise EnvkitError(f"invalid YAML: {exc}", file=file) from None
    finally:
        loader.dispose()
    return YamlDoc(data=data, lines=lines, file=file)


def load_yaml_file(path: Path) -> YamlDoc:
    """Read and parse one YAML file; unreadable or non-UTF-8 files are one-line errors."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise EnvkitError("file not found", file=str(path)) from None
    except OSError as exc:
        raise EnvkitError(f"cannot read file: {exc.__class__.__name__}", file=str(path)) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise EnvkitError(f"not UTF-8 text (byte 0x{raw[exc.start]:02x} cannot be decoded)",
                          file=str(path), line=line) from None
    return parse_yaml_text(text, str(path))

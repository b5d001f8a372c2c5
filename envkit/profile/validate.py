"""Turn pydantic's errors into one-line messages that name file, line and key.

Example:
    >>> from envkit.profile.yamlsource import parse_yaml_text
    >>> from envkit.profile.model import Cpu
    >>> doc = parse_yaml_text("arch: sparc\\n", "x.yaml")
    >>> try:
    ...     validate_doc(Cpu, doc)
    ... except Exception as exc:
    ...     print(exc)
    x.yaml:1: arch: expected one of 'x86_64', 'ppc64le' or 'aarch64', got 'sparc' (+4 more)
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from envkit.errors import EnvkitError
from envkit.profile.fields import PATTERN_RULES
from envkit.profile.yamlsource import KeyPath, YamlDoc

M = TypeVar("M", bound=BaseModel)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _fields_at(model: type[BaseModel], path: KeyPath) -> list[str] | None:
    """The keys allowed at `path` inside `model`, following nested models."""
    current: Any = model
    for part in path:
        if isinstance(part, int):
            continue
        fields = getattr(current, "model_fields", None)
        if not fields or part not in fields:
            return None
        annotation = fields[part].annotation
        current = next((a for a in getattr(annotation, "__args__", (annotation,))
                        if isinstance(a, type) and issubclass(a, BaseModel)), annotation)
    fields = getattr(current, "model_fields", None)
    return sorted(fields) if fields else None


def _message(err: dict[str, Any], model: type[BaseModel]) -> str:
    kind = err["type"]
    loc = tuple(err["loc"])
    got = err.get("input")
    if kind == "extra_forbidden":
        allowed = _fields_at(model, loc[:-1])
        return "unknown key" + (f" (expected one of: {', '.join(allowed)})" if allowed else "")
    if kind == "missing":
        return "missing required key"
    if kind == "string_pattern_mismatch":
        pattern = err.get("ctx", {}).get("pattern", "")
        rule = PATTERN_RULES.get(pattern, f"one line matching {pattern}")
        return f"value {_short(got)} is not allowed here: expected {rule}"
    if kind == "string_type":
        hint = " (quote versions, e.g. \"11.0\")" if isinstance(got, (int, float)) else ""
        return f"expected a string, got {type(got).__name__} {_short(got)}{hint}"
    if kind in ("int_type", "int_parsing"):
        return f"expected an integer, got {type(got).__name__} {_short(got)}"
    if kind == "bool_type":
        return f"expected true or false, got {_short(got)}"
    if kind in ("list_type", "dict_type", "model_type"):
        want = {"list_type": "a list", "dict_type": "a mapping", "model_type": "a mapping"}[kind]
        return f"expected {want}, got {type(got).__name__} {_short(got)}"
    if kind == "literal_error":
        expected = err.get("ctx", {}).get("expected", "")
        return f"expected one of {expected}, got {_short(got)}"
    if kind == "value_error":
        return str(err.get("ctx", {}).get("error", err["msg"]))
    msg = err["msg"]
    return f"{msg[0].lower()}{msg[1:]}, got {_short(got)}"


def validate_doc(model: type[M], doc: YamlDoc, *, prefix: KeyPath = ()) -> M:
    """Validate `doc.data` against `model`; the first error becomes an EnvkitError."""
    if not isinstance(doc.data, dict):
        raise EnvkitError(f"expected a mapping at the top, got {type(doc.data).__name__}", file=doc.file, line=1)
    try:
        return model.model_validate(doc.data)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        err = errors[0]
        # A cross-field check names the key it is about (model.AtKey); report it there.
        loc = tuple(err["loc"]) + tuple(getattr(err.get("ctx", {}).get("error"), "key_path", ()))
        file, line = doc.locate(prefix + loc)
        key = ".".join(str(p) for p in loc) or None
        more = f" (+{len(errors) - 1} more)" if len(errors) > 1 else ""
        raise EnvkitError(_message(dict(err), model) + more, file=file, key=key, line=line) from None

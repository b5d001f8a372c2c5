"""Render layers to Singularity/Apptainer definitions and Dockerfiles with Jinja2.

The environment is strict (an undefined name is an error, never an empty
string), never HTML-escapes, and offers `sq`, a filter that shell-quotes a
value, so a profile value cannot reach a shell line unquoted.

Example:
    >>> render_string("echo {{ v | sq }}", v="a b; rm -rf /")
    "echo 'a b; rm -rf /'"
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

import jinja2

from envkit import paths
from envkit.errors import EnvkitError
from envkit.resources import recipe_dirs


def shell_quote(value: Any) -> str:
    """Quote one value for POSIX sh; lists become space-separated quoted words."""
    if isinstance(value, (list, tuple)):
        return " ".join(shell_quote(v) for v in value)
    if value is None or isinstance(value, (dict, jinja2.Undefined)):
        raise EnvkitError(f"cannot shell-quote {type(value).__name__}")
    return shlex.quote(str(value))


_VAR_REF = re.compile(r"\$[A-Za-z_][A-Za-z0-9_]*")


def env_value(value: Any) -> str:
    """Quote an environment value for sh, keeping plain `$NAME` references live.

    Example: `/opt/venv/bin:$PATH` -> `'/opt/venv/bin:'"$PATH"`; `$(id)` stays inert.
    """
    text = one_line(value)
    parts: list[str] = []
    pos = 0
    for match in _VAR_REF.finditer(text):
        if match.start() > pos:
            parts.append(shlex.quote(text[pos:match.start()]))
        parts.append(f'"{match.group(0)}"')
        pos = match.end()
    if pos < len(text) or not parts:
        parts.append(shlex.quote(text[pos:]))
    return "".join(parts)


def one_line(value: Any) -> str:
    """Refuse values that would break a line-oriented section (labels, From:)."""
    text = str(value)
    if any(ch in text for ch in "\n\r\x00"):
        raise EnvkitError(f"value {text[:40]!r} spans lines; it cannot go into a definition file")
    return text


_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")


def identifier(value: Any) -> str:
    """A variable or label name, refused unless it is a plain identifier."""
    text = str(value)
    if not _IDENTIFIER.fullmatch(text):  # fullmatch: `$` alone lets "NAME\n" through
        raise EnvkitError(f"{text[:40]!r} is not a valid variable or label name")
    return text


def json_string(value: Any) -> str:
    """A double-quoted string for Dockerfile ENV/LABEL (JSON escaping)."""
    import json

    return json.dumps(one_line(value))


RECIPE_FILTERS: tuple[tuple[str, Callable[[Any], Any]], ...] = (
    ("sq", shell_quote),
    ("one_line", one_line),
    ("json", json_string),
    ("env_value", env_value),
    ("identifier", identifier),
)


@lru_cache(maxsize=16)
def environment(folders: tuple[str, ...] | None = None, *, html: bool = False,
                filters: tuple[tuple[str, Callable[[Any], Any]], ...] = RECIPE_FILTERS) -> jinja2.Environment:
    """envkit's one Jinja2 set-up: strict (an undefined name is an error), whitespace-trimmed, over the
    template folders (the user's recipes/, then the shipped one) or `folders`. `html` turns autoescaping on
    (the HTML docs); `filters` are the names the templates may use (the recipe filters by default).
    """
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(list(folders) if folders else [str(d) for d in recipe_dirs()]),
        undefined=jinja2.StrictUndefined,
        autoescape=html,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(dict(filters))
    env.globals["paths"] = paths
    return env


def render_template(name: str, **context: Any) -> str:
    """Render recipes/<name> with the given context."""
    return render_template_blocks(name, (), **context)[0]


def render_template_blocks(name: str, blocks: Sequence[str], **context: Any) -> tuple[str, dict[str, str]]:
    """Render recipes/<name> whole, and each of its `{% block %}`s named in `blocks` alone, from one context:
    (the whole text, {block: its text}). A block renders as it does inside the whole text; an `{% if %}`
    around it is not evaluated, so a block that may be absent carries its own condition.
    """
    try:
        template = environment(tuple(str(d) for d in recipe_dirs())).get_template(name)
        missing = [block for block in blocks if block not in template.blocks]
        if missing:
            raise EnvkitError(f"recipe template {name} has no {{% block %}} named {', '.join(missing)} (envkit "
                              "reads these parts of the rendered file: keep the blocks of the shipped template)",
                              file=template.filename)
        text = template.render(**context)
        return text, {block: "".join(template.blocks[block](template.new_context(context))) for block in blocks}
    except jinja2.TemplateNotFound:
        raise EnvkitError(f"recipe template not found: {name}", file=str(recipe_dirs()[-1])) from None
    except jinja2.UndefinedError as exc:
        raise EnvkitError(f"recipe template {name} uses an undefined value: {exc.message}") from None


def render_string(source: str, **context: Any) -> str:
    """Render a template given as a string (tests and small snippets)."""
    return environment().from_string(source).render(**context)

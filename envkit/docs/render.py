"""Render doc models to Markdown or self-contained HTML with the templates in recipes/docs/.

Markdown uses a plain environment; HTML gets its own environment with
autoescaping on, so a profile value like `<b>` shows as text, never as markup.

Example:
    >>> from envkit.profile import load_profile
    >>> from envkit.docs.page import build_doc
    >>> render_site(build_doc(load_profile("hal")), "md").splitlines()[0]
    '# HAL, NCSA Hardware-Accelerated Learning cluster'
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal

import jinja2
import markupsafe

from envkit.docs.model import SiteDoc
from envkit.errors import EnvkitError
from envkit.recipe.render import environment as template_environment
from envkit.resources import recipe_dirs

DocFormat = Literal["md", "html"]
DOC_FORMATS: tuple[str, ...] = ("md", "html")


def md_cell(value: str) -> str:
    """Text safe inside a Markdown table cell: pipes escaped, newlines as <br>."""
    return str(value).replace("\\", "\\\\").replace("|", "\\|").replace("\n", "<br>")


def md_code(value: str) -> str:
    """Inline code that survives backticks in the value."""
    text = str(value)
    fence = "``" if "`" in text else "`"
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


_CODE_SPAN = re.compile(r"`([^`]+)`")


def html_code_spans(value: str) -> markupsafe.Markup:
    """Escape text for HTML, then turn `x` into <code>x</code> (backticks are untouched by escaping)."""
    escaped = str(markupsafe.escape(value))
    return markupsafe.Markup(_CODE_SPAN.sub(r"<code>\1</code>", escaped))


DOC_FILTERS = (("md_cell", md_cell), ("md_code", md_code), ("code_spans", html_code_spans))


def environment(fmt: DocFormat) -> jinja2.Environment:
    """The Jinja2 environment for one format over recipes/docs/ (HTML autoescapes, Markdown does not)."""
    return template_environment(tuple(str(d / "docs") for d in recipe_dirs()), html=fmt == "html",
                                filters=DOC_FILTERS)


def _render(fmt: DocFormat, name: str, **context: object) -> str:
    if fmt not in DOC_FORMATS:
        raise EnvkitError(f"--format must be one of {', '.join(DOC_FORMATS)}, got {fmt!r}")
    try:
        return environment(fmt).get_template(name).render(**context)
    except jinja2.TemplateNotFound:
        raise EnvkitError(f"docs template not found: docs/{name}", file=str(recipe_dirs()[-1])) from None


def render_site(doc: SiteDoc, fmt: DocFormat) -> str:
    """One site's page in `fmt`, with the locked versions of the packages users ask about (when locked)."""
    from envkit.lock.files import locked_versions

    return _render(fmt, f"site.{fmt}.j2", doc=doc, locked=locked_versions(doc.site))


def render_index(docs: Sequence[SiteDoc], fmt: DocFormat) -> str:
    """The index page linking every site's page (`<site>.md` or `<site>.html` beside it)."""
    return _render(fmt, f"index.{fmt}.j2", docs=list(docs), ext=fmt)

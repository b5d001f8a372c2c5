"""Render doc models to Markdown or self-contained HTML with the templates in recipes/docs/.

Markdown uses a plain environment; HTML gets its own environment with
autoescaping on, so a profile value like `<b>` shows as text, never as markup.

Example:
    >>> from envkit.profile import load_profile
    >>> from envkit.docs.page import build_doc
    >>> render_site(build_doc(load_profile("hal")), "md").splitlines()[2]
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


_URL = re.compile(r"https://[^\s<>\"'`;,)]+")


def html_links(value: str) -> markupsafe.Markup:
    """code_spans, and every https:// address made a link.

    >>> str(html_links("see https://x.org/a and `b`"))
    'see <a href="https://x.org/a">https://x.org/a</a> and <code>b</code>'
    """
    marked = str(html_code_spans(value))
    return markupsafe.Markup(_URL.sub(lambda m: f'<a href="{m.group(0)}">{m.group(0)}</a>', marked))


class Footnotes:
    """Numbers for a page's sources, in the order they are first cited; each source is listed once at the end.

    >>> cite = Footnotes()
    >>> cite("a.yaml"), cite("b"), cite("a.yaml"), cite.items
    (1, 2, 1, ['a.yaml', 'b'])
    """

    def __init__(self) -> None:
        self.items: list[str] = []
        self._number: dict[str, int] = {}

    def __call__(self, source: str) -> int:
        if source not in self._number:
            self.items.append(source)
            self._number[source] = len(self.items)
        return self._number[source]


DOC_FILTERS = (("md_cell", md_cell), ("md_code", md_code), ("code_spans", html_code_spans), ("links", html_links))


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

    return _render(fmt, f"site.{fmt}.j2", doc=doc, locked=locked_versions(doc.site), cite=Footnotes())


def render_index(docs: Sequence[SiteDoc], fmt: DocFormat) -> str:
    """The index page linking every site's page (`<site>.md` or `<site>.html` beside it)."""
    return _render(fmt, f"index.{fmt}.j2", docs=list(docs), ext=fmt)

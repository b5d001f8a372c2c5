"""Render doc models to Markdown or self-contained HTML with the templates in recipes/docs/.

HTML gets an environment with autoescaping on, so a profile value like `<b>` shows as text, never as
markup. Markdown renders raw HTML too, so its environment escapes `<` (and `&` before a name) in every
value (`md_escape`, Jinja2's finalize); only what is already Markup passes as is: table cells (`md_cell`
escapes, then adds <br>), code spans (`md_code`) and fenced code blocks (`md_block`), where Markdown shows
HTML as text.

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


def md_escape(value: object) -> str:
    """Any value printed into Markdown: `<` as `&lt;` (Markdown passes raw HTML through, so a profile's
    `<script>` would run in a browser; without `<` no tag can open, and `>=`, `2>&1` stay readable), and `&`
    before a name or `#` as `&amp;` (no entity tricks), unless the value is already Markup.

    >>> md_escape("<script>alert(1)</script> &lt; driver >= 5"), md_escape(markupsafe.Markup("<br>"))
    ('&lt;script>alert(1)&lt;/script> &amp;lt; driver >= 5', '<br>')
    """
    if isinstance(value, markupsafe.Markup):
        return str(value)
    if value is None:
        return ""
    return re.sub(r"&(?=[A-Za-z#])", "&amp;", str(value)).replace("<", "&lt;")


def md_cell(value: str) -> markupsafe.Markup:
    """Text safe inside a Markdown table cell: HTML escaped, pipes escaped, newlines as <br>.

    >>> str(md_cell("a|b<i>\\nc"))
    'a\\\\|b&lt;i><br>c'
    """
    text = md_escape(value)
    return markupsafe.Markup(text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", "<br>"))


def md_code(value: str) -> markupsafe.Markup:
    """Inline code that survives backticks in the value (Markdown shows a code span's HTML as text)."""
    text = str(value).replace("\n", " ")
    fence = "``" if "`" in text else "`"
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return markupsafe.Markup(f"{fence}{pad}{text}{pad}{fence}")


def md_block(value: str) -> markupsafe.Markup:
    """A line inside a ``` fenced block: shown as is (HTML is text there); a run of three backticks, which
    would close the fence, is broken up."""
    return markupsafe.Markup(str(value).replace("```", "`\u200b``"))


_CODE_SPAN = re.compile(r"`([^`]+)`")


def html_code_spans(value: str) -> markupsafe.Markup:
    """Escape text for HTML, then turn `x` into <code>x</code> (backticks are untouched by escaping)."""
    escaped = str(markupsafe.escape(value))
    return markupsafe.Markup(_CODE_SPAN.sub(r"<code>\1</code>", escaped))


DOC_FILTERS = (("md_cell", md_cell), ("md_code", md_code), ("md_block", md_block), ("code_spans", html_code_spans))


def environment(fmt: DocFormat) -> jinja2.Environment:
    """The Jinja2 environment for one format over recipes/docs/ (HTML autoescapes, Markdown does not)."""
    env = template_environment(tuple(str(d / "docs") for d in recipe_dirs()), html=fmt == "html",
                               filters=DOC_FILTERS)
    if fmt == "md":
        env.finalize = md_escape
    return env


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

"""Help-desk documentation for each site, rendered from its profile (Markdown or HTML).

Example:
    >>> from envkit.docs import site_page
    >>> "ppc64le" in site_page("hal", "md")
    True
"""

from envkit.docs.files import index_page, site_page, write_all, write_site
from envkit.docs.model import DocCommand, DocSection, Fact, Problem, SiteDoc
from envkit.docs.page import build_doc
from envkit.docs.render import DOC_FORMATS, render_index, render_site

__all__ = ["DOC_FORMATS", "DocCommand", "DocSection", "Fact", "Problem", "SiteDoc", "build_doc", "index_page",
           "render_index", "render_site", "site_page", "write_all", "write_site"]

"""The `envkit docs` pipeline: site name -> page text, or pages and an index written to a folder.

Example:
    >>> "Spectrum MPI" in site_page("summit", "md")
    True
"""

from __future__ import annotations

from pathlib import Path

from envkit.docs.model import SiteDoc
from envkit.docs.page import build_doc
from envkit.docs.render import DocFormat, render_index, render_site
from envkit.fsutil import atomic_write_text
from envkit.profile import list_sites, load_profile


def site_doc(site: str) -> SiteDoc:
    """Load a profile (EnvkitError for an unknown site) and build its page."""
    return build_doc(load_profile(site))


def site_page(site: str, fmt: DocFormat) -> str:
    """One site's page as text."""
    return render_site(site_doc(site), fmt)


def write_site(site: str, fmt: DocFormat, out_dir: Path) -> Path:
    """Write `out_dir/<site>.<fmt>` atomically; returns its path."""
    doc = site_doc(site)
    path = Path(out_dir) / f"{doc.site}.{fmt}"
    atomic_write_text(path, render_site(doc, fmt))
    return path


def all_docs() -> list[SiteDoc]:
    """Pages for every site on the profile search path, sorted by name."""
    return [site_doc(name) for name in list_sites()]


def index_page(fmt: DocFormat) -> str:
    """The index page for every site."""
    return render_index(all_docs(), fmt)


def write_all(fmt: DocFormat, out_dir: Path) -> list[Path]:
    """Write one page per site and `index.<fmt>` into `out_dir`; returns the paths, index last."""
    docs = all_docs()
    paths: list[Path] = []
    for doc in docs:
        path = Path(out_dir) / f"{doc.site}.{fmt}"
        atomic_write_text(path, render_site(doc, fmt))
        paths.append(path)
    index = Path(out_dir) / f"index.{fmt}"
    atomic_write_text(index, render_index(docs, fmt))
    return [*paths, index]

"""`envkit docs`: help-desk pages for a site (or all sites) from their profiles.

Example:
    $ envkit docs --site summit | less
    $ envkit docs --site hal --format html -o site-docs
    $ envkit docs --all --format html -o site-docs
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer


def docs_cmd(
    site: Annotated[str | None, typer.Option("--site", "-s", help="Site profile name or path to a YAML file.")] = None,
    all_sites: Annotated[bool, typer.Option("--all", help="Every site, plus an index page linking them.")] = False,
    fmt: Annotated[str, typer.Option("--format", help="md or html.")] = "md",
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Write DIR/<site>.<format> here.")] = None,
) -> None:
    """Render a site's help-desk page. Example: envkit docs --site summit --format html -o docs-out"""
    from envkit.docs import DOC_FORMATS, index_page, site_page, write_all, write_site
    from envkit.errors import EnvkitError

    if fmt not in DOC_FORMATS:
        raise EnvkitError(f"--format must be one of {', '.join(DOC_FORMATS)}, got {fmt!r}")
    if all_sites == (site is not None):
        raise EnvkitError("give exactly one of --site SITE or --all")
    if output is not None and output.exists() and not output.is_dir():
        raise EnvkitError(f"-o must be a folder, {output} is a file")
    if site is not None:
        if output is None:
            sys.stdout.write(site_page(site, fmt))  # type: ignore[arg-type]
            return
        sys.stderr.write(f"wrote {write_site(site, fmt, output)}\n")  # type: ignore[arg-type]
        return
    if output is None:
        sys.stdout.write(index_page(fmt))  # type: ignore[arg-type]
        sys.stderr.write("note: without -o only the index is printed; give -o DIR to write every page\n")
        return
    paths = write_all(fmt, output)  # type: ignore[arg-type]
    sys.stderr.write(f"wrote {len(paths) - 1} site page(s) and {paths[-1]}\n")


def register(app: typer.Typer) -> None:
    """Add `docs` to the envkit command line."""
    app.command("docs")(docs_cmd)

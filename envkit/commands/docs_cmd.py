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

from envkit.commands.options import OptionalSiteOpt


def docs_cmd(
    site: OptionalSiteOpt = None,
    all_sites: Annotated[bool, typer.Option("--all", help="Every site, plus an index page linking them.")] = False,
    fmt: Annotated[str, typer.Option("--format", help="md or html.")] = "md",
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Write DIR/<site>.<format> here.")] = None,
    project: Annotated[bool, typer.Option("--project", help="The page 'Your project on SITE' (Markdown, on "
                                                            "stdout) instead.")] = False,
) -> None:
    """Render a site's help-desk page. Example: envkit docs --site summit --format html -o docs-out"""
    from envkit.docs import DOC_FORMATS, index_page, site_page, write_all, write_site
    from envkit.errors import EnvkitError

    if project:
        if site is None or all_sites or output is not None or fmt != "md":
            raise EnvkitError("--project takes --site SITE only (Markdown on stdout)")
        from envkit.docs.project_page import project_page

        sys.stdout.write(project_page(site))
        return

    if fmt not in DOC_FORMATS:
        raise EnvkitError(f"--format must be one of {', '.join(DOC_FORMATS)}, got {fmt!r}")
    if all_sites == (site is not None):
        raise EnvkitError("give exactly one of --site SITE or --all")
    if output is not None:
        _check_output_dir(output)
    if site is not None:
        if output is None:
            sys.stdout.write(site_page(site, fmt))  # type: ignore[arg-type]
            return
        with _writing(output, site_page_path(site, fmt, output)):
            path = write_site(site, fmt, output)  # type: ignore[arg-type]
        sys.stderr.write(f"wrote {path}\n")
        return
    if output is None:
        sys.stdout.write(index_page(fmt))  # type: ignore[arg-type]
        sys.stderr.write("note: without -o only the index is printed; give -o DIR to write every page\n")
        return
    from envkit.profile import list_sites

    names = [*(output / f"{name}.{fmt}" for name in list_sites()), output / f"index.{fmt}"]
    with _writing(output, *names):
        paths = write_all(fmt, output)  # type: ignore[arg-type]
    sys.stderr.write(f"wrote {len(paths) - 1} site page(s) and {paths[-1]}\n")


def site_page_path(site: str, fmt: str, output: Path) -> Path:
    """Where write_site puts a site's page (the profile's name, also when --site is a path)."""
    return output / f"{Path(site).stem if site.endswith(('.yaml', '.yml')) else site}.{fmt}"


def _check_output_dir(output: Path) -> None:
    """-o is a folder (made if missing) that is not a file, not under /proc, /sys or /dev."""
    from envkit.errors import EnvkitError

    text = str(output)
    try:
        real = str(output.resolve())
        if real in ("/proc", "/sys", "/dev") or (real.startswith(("/proc/", "/sys/", "/dev/"))
                                                 and not real.startswith("/dev/shm/")):
            raise EnvkitError("-o must be a folder of plain files, not under /proc, /sys or /dev", file=text)
        if output.exists() and not output.is_dir():
            raise EnvkitError(f"-o must be a folder, {output} is a file")
    except (OSError, ValueError) as exc:
        raise EnvkitError(f"-o cannot be used: {getattr(exc, 'strerror', None) or exc}", file=text[:200]) from None


def _writing(output: Path, *files: Path):
    """Undo a half-done -o on failure (new pages and a new folder removed) and make OSErrors one line."""
    import contextlib

    from envkit.errors import EnvkitError
    from envkit.fsutil import undo_on_failure

    @contextlib.contextmanager
    def guard():
        try:
            with undo_on_failure(output, *files):
                yield
        except OSError as exc:
            raise EnvkitError(f"cannot write: {exc.strerror or exc.__class__.__name__}", file=str(output)) from None

    return guard()


def register(app: typer.Typer) -> None:
    """Add `docs` to the envkit command line."""
    app.command("docs")(docs_cmd)

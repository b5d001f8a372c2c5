"""`envkit render`: write a site's definition file (Apptainer/Singularity or Dockerfile) for one layer.

Example:
    $ envkit render --site summit --layer site
    $ envkit render --site hal --layer base -o base.def
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from envkit.commands.console import out
from envkit.commands.options import SiteOpt
from envkit.errors import EnvkitError


def render_cmd(
    site: SiteOpt,
    layer: Annotated[str, typer.Option(help="base, site or workload.")] = "site",
    workload: Annotated[str | None, typer.Option(help="Workload for --layer workload (aigw, resnet50, aides).")] = None,
    fmt: Annotated[str, typer.Option("--format", help="singularity or docker.")] = "singularity",
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Write here instead of stdout.")] = None,
) -> None:
    """Render a definition file for a site. Example: envkit render --site hal --layer base -o base.def"""
    from envkit.recipe.formats import FORMATS
    from envkit.recipe.site_files import render_files

    if fmt not in FORMATS:
        raise EnvkitError(f"--format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    if output is not None:
        _check_output_file(output)
    files = render_files(site, layer, workload, fmt)  # type: ignore[arg-type]
    main_name = next(iter(files))
    if output is None:
        out(files[main_name])
        return
    from envkit.fsutil import atomic_write_text, undo_on_failure

    others = [output.parent / name for name in files if name != main_name]
    try:
        with undo_on_failure(output, *others):  # all of them or none of the new ones
            atomic_write_text(output, files[main_name])
            for path, name in zip(others, [n for n in files if n != main_name], strict=True):
                atomic_write_text(path, files[name])
    except OSError as exc:
        raise EnvkitError(f"cannot write: {exc.strerror or exc.__class__.__name__}", file=str(output)) from None
    sys.stderr.write(f"wrote {output}" + (f" and {len(files) - 1} script(s) beside it" if len(files) > 1 else "")
                     + "\n")


def _check_output_file(output: Path) -> None:
    """-o names a file to write: not a folder, not under /proc, /sys or /dev, and its folder must exist."""
    text = str(output)
    if "\x00" in text:
        raise EnvkitError("-o holds a NUL byte")
    try:
        real = output.resolve()
        if output.is_dir():
            raise EnvkitError("-o names a folder; give a file name (e.g. -o site.def)", file=text)
        if str(real).startswith(("/proc/", "/sys/", "/dev/")) and not str(real).startswith("/dev/shm/"):
            raise EnvkitError("-o must be a plain file, not under /proc, /sys or /dev", file=text)
        if not real.parent.is_dir():
            raise EnvkitError(f"-o's folder {output.parent} does not exist", file=text)
    except OSError as exc:
        raise EnvkitError(f"-o cannot be used: {exc.strerror or exc.__class__.__name__}", file=text[:200]) from None


def register(app: typer.Typer) -> None:
    """Add `render` to the envkit app."""
    app.command("render")(render_cmd)

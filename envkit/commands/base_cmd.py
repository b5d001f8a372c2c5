"""`envkit base list|clone`: the maintained base images and admins' clones of them.

Example:
    $ envkit base list
    $ envkit base clone ncsa-base --from envkit-base
"""

from __future__ import annotations

from typing import Annotated

import typer

from envkit.commands.console import out
from envkit.errors import EnvkitError


def base_list() -> None:
    """List the maintained bases and their clones. Example: envkit base list"""
    from envkit.recipe.bases import list_bases, load_base

    for name in list_bases():
        try:
            b = load_base(name)
        except EnvkitError as exc:  # one broken clone must not hide the others
            out(f"{name!r:<20} INVALID: {exc}\n" if "\n" in name else f"{name:<20} INVALID: {exc}\n")
            continue
        arches = sorted({f"{p.arch}/cuda-{p.cuda or 'none'}" for p in b.platforms})
        out(f"{name:<20} parent={b.parent or '-':<14} {' '.join(arches)}\n")


def base_clone(
    name: str,
    from_: Annotated[str, typer.Option("--from", help="The base to clone.")] = "envkit-base",
) -> None:
    """Clone a base into a new named base. Example: envkit base clone ncsa-base --from envkit-base"""
    from envkit.recipe.clone import clone_base

    for path in clone_base(name, from_):
        out(f"wrote {path}\n")
    out(f"point a site at it with `base: {name}` in its profile\n")


def register(app: typer.Typer) -> None:
    """Add the `base` group to the envkit app."""
    base_app = typer.Typer(help="Maintained base images. Example: envkit base clone ncsa-base",
                           no_args_is_help=True)
    base_app.command("list")(base_list)
    base_app.command("clone")(base_clone)
    app.add_typer(base_app, name="base")

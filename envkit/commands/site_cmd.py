"""`envkit sites` and `envkit site show|validate|schema`: the site profiles envkit knows, one site's facts,
a check of profile files, and the profile's JSON Schema.

Example:
    $ envkit sites
    $ envkit site show summit --json
    $ envkit site validate site-profiles/*.yaml
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from envkit.commands.console import debug, internal_error_line, out
from envkit.commands.options import JsonOpt
from envkit.errors import EnvkitError


def sites_cmd() -> None:
    """List the site profiles envkit knows. Example: envkit sites"""
    from envkit.profile import list_sites, load_profile

    for name in list_sites():
        try:
            p = load_profile(name)
            gpus = f"{p.gpu.per_node} x {p.gpu.model}" if p.gpu.per_node else "no GPU"
            out(f"{name:<12} {p.cpu.arch:<8} {gpus:<14} {p.mpi.vendor} {p.mpi.version:<9} "
                f"{p.launcher.kind:<8} {p.container.engine:<12} {p.title}\n")
        except EnvkitError as exc:
            out(f"{name:<12} INVALID: {exc}\n")
        except Exception as exc:  # one shared profile must not hide the others
            out(f"{name:<12} INVALID: {internal_error_line(exc)}\n")


def site_show(site: str, as_json: JsonOpt = False) -> None:
    """Show one site's facts. Example: envkit site show summit --json"""
    from envkit.profile import load_profile, profile_hash

    p = load_profile(site)
    data = p.model_dump(mode="json")
    data["profile_hash"] = profile_hash(p)
    try:  # which base image and torch build the site gets, and why (envkit/recipe/bases.py choose_platform)
        from envkit.recipe.bases import load_base

        platform, why = load_base(p.base).choose_platform(p.cpu.arch, p.cuda.toolkit if p.cuda else None,
                                                          p.cuda.driver if p.cuda else None,
                                                          rocm=p.rocm.version if p.rocm else None)
        data["base_platform"] = {"image": platform.image, "torch": platform.python.torch, "why": why}
    except EnvkitError as exc:
        data["base_platform"] = {"error": str(exc)}
    if as_json:
        out(json.dumps(data, indent=2, sort_keys=True) + "\n")
        return
    import yaml

    out(yaml.safe_dump(data, sort_keys=False, width=1000))


def site_validate(files: Annotated[list[Path], typer.Argument(help="Profile YAML files.")]) -> None:
    """Validate profile files, each one (an `ok` or one error line per file); exit 2 if any is bad.

    Example: envkit site validate site-profiles/*.yaml
    """
    from envkit.profile import load_profile

    bad = 0
    for path in files:
        try:
            p = load_profile(str(path) if str(path).endswith((".yaml", ".yml")) or "/" in str(path)
                             else f"./{path}")
            out(f"ok {path} ({p.name})\n")
        except EnvkitError as exc:
            sys.stderr.write(f"error: {exc}\n")
            bad += 1
        except Exception as exc:  # report it and go on to the next file
            if debug():
                raise
            sys.stderr.write(f"error: {path}: {internal_error_line(exc)}\n")
            bad += 1
    if bad:
        raise typer.Exit(2)


def site_schema() -> None:
    """Print the JSON Schema of a site profile. Example: envkit site schema > profile.schema.json"""
    from envkit.profile.model import Profile

    out(json.dumps(Profile.model_json_schema(), indent=2, sort_keys=True) + "\n")


def register(app: typer.Typer) -> None:
    """Add `sites` and the `site` group to the envkit app."""
    site_app = typer.Typer(help="Inspect and validate site profiles. Example: envkit site show summit",
                           no_args_is_help=True)
    site_app.command("show")(site_show)
    site_app.command("validate")(site_validate)
    site_app.command("schema")(site_schema)
    app.add_typer(site_app, name="site")
    app.command("sites")(sites_cmd)

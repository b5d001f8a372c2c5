"""The envkit command line (Typer). Heavy modules are imported inside commands,
so `envkit --help` and `envkit render` start fast and never import torch.

Example:
    $ envkit sites
    $ envkit render --site summit --layer site
    $ envkit build --site local
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from envkit.errors import EnvkitError

app = typer.Typer(
    name="envkit",
    help="Container-first, reproducible environments for AI on HPC sites.\n\n"
         "Example: envkit render --site hal | less",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
site_app = typer.Typer(help="Inspect and validate site profiles. Example: envkit site show summit",
                       no_args_is_help=True)
base_app = typer.Typer(help="Maintained base images. Example: envkit base clone ncsa-base", no_args_is_help=True)
app.add_typer(site_app, name="site")
app.add_typer(base_app, name="base")

SiteOpt = Annotated[str, typer.Option("--site", "-s", help="Site profile name or path to a YAML file.")]


def out(text: str) -> None:
    """Write to stdout, exactly as given."""
    sys.stdout.write(text)


def fail(message: str, code: int = 2) -> None:
    """One-line error on stderr and a non-zero exit."""
    sys.stderr.write(f"error: {' '.join(message.split())}\n")
    raise typer.Exit(code)


@app.command("sites")
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


@site_app.command("show")
def site_show(site: str, as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Show one site's facts. Example: envkit site show summit --json"""
    from envkit.profile import load_profile, profile_hash

    p = load_profile(site)
    data = p.model_dump(mode="json")
    data["profile_hash"] = profile_hash(p)
    if as_json:
        out(json.dumps(data, indent=2, sort_keys=True) + "\n")
        return
    import yaml

    out(yaml.safe_dump(data, sort_keys=False, width=1000))


@site_app.command("validate")
def site_validate(files: Annotated[list[Path], typer.Argument(help="Profile YAML files.")]) -> None:
    """Validate profile files; exit 2 on the first bad one. Example: envkit site validate site-profiles/*.yaml"""
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
    if bad:
        raise typer.Exit(2)


@site_app.command("schema")
def site_schema() -> None:
    """Print the JSON Schema of a site profile. Example: envkit site schema > profile.schema.json"""
    from envkit.profile.model import Profile

    out(json.dumps(Profile.model_json_schema(), indent=2, sort_keys=True) + "\n")


@app.command("render")
def render_cmd(
    site: SiteOpt,
    layer: Annotated[str, typer.Option(help="base, site or workload.")] = "site",
    workload: Annotated[str | None, typer.Option(help="Workload for --layer workload (aigw, resnet50, aides).")] = None,
    fmt: Annotated[str, typer.Option("--format", help="singularity or docker.")] = "singularity",
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Write here instead of stdout.")] = None,
) -> None:
    """Render a definition file for a site. Example: envkit render --site hal --layer base -o base.def"""
    from envkit.recipe.formats import FORMATS
    from envkit.recipe.service import render_files

    if fmt not in FORMATS:
        fail(f"--format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    files = render_files(site, layer, workload, fmt)  # type: ignore[arg-type]
    main_name = next(iter(files))
    if output is None:
        out(files[main_name])
        return
    from envkit.fsutil import atomic_write_text

    atomic_write_text(output, files[main_name])
    for name, text in files.items():
        if name != main_name:
            atomic_write_text(output.parent / name, text)
    sys.stderr.write(f"wrote {output}" + (f" and {len(files) - 1} script(s) beside it" if len(files) > 1 else "")
                     + "\n")


@base_app.command("list")
def base_list() -> None:
    """List the maintained bases and their clones. Example: envkit base list"""
    from envkit.recipe.bases import list_bases, load_base

    for name in list_bases():
        b = load_base(name)
        arches = sorted({f"{p.arch}/cuda-{p.cuda or 'none'}" for p in b.platforms})
        out(f"{name:<20} parent={b.parent or '-':<14} {' '.join(arches)}\n")


@base_app.command("clone")
def base_clone(
    name: str,
    from_: Annotated[str, typer.Option("--from", help="The base to clone.")] = "envkit-base",
) -> None:
    """Clone a base into a new named base. Example: envkit base clone ncsa-base --from envkit-base"""
    from envkit.recipe.clone import clone_base

    for path in clone_base(name, from_):
        out(f"wrote {path}\n")
    out(f"point a site at it with `base: {name}` in its profile\n")


def _register_optional_commands() -> None:
    """Commands that live in their own modules (each cheap to import)."""
    import importlib

    for module_name in ("docs_cmd", "build_cmd", "run_cmd", "lock_cmd"):
        importlib.import_module(f"envkit.commands.{module_name}").register(app)
    from envkit.commands import data_cmd, train_cmd

    app.add_typer(data_cmd.app, name="data")
    app.command("train", context_settings=train_cmd.CONTEXT, add_help_option=False)(train_cmd.train)


_register_optional_commands()


def main() -> None:
    """Console entry point: every error is one line on stderr and a non-zero exit, never a traceback.

    EnvkitError (bad profile, unknown site...) exits 2; a usage error (unknown option, missing argument)
    exits 2 with the command to ask for help.
    """
    try:
        code = app(standalone_mode=False)
    except EnvkitError as exc:
        sys.stderr.write(f"error: {exc}\n")
        sys.exit(2)
    except (KeyboardInterrupt, typer.Abort):
        sys.stderr.write("interrupted\n")
        sys.exit(130)
    except Exception as exc:
        if not (hasattr(exc, "format_message") and hasattr(exc, "exit_code")):  # click's ClickException
            raise
        ctx = getattr(exc, "ctx", None)
        where = f" (see {ctx.command_path} --help)" if ctx is not None else ""
        sys.stderr.write(f"error: {' '.join(exc.format_message().split())}{where}\n")
        sys.exit(exc.exit_code)
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()

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

from envkit.commands.options import JsonOpt, SiteOpt
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
        except Exception as exc:  # one shared profile must not hide the others
            out(f"{name:<12} INVALID: {internal_error_line(exc)}\n")


@site_app.command("show")
def site_show(site: str, as_json: JsonOpt = False) -> None:
    """Show one site's facts. Example: envkit site show summit --json"""
    from envkit.profile import load_profile, profile_hash

    p = load_profile(site)
    data = p.model_dump(mode="json")
    data["profile_hash"] = profile_hash(p)
    try:  # which base image and torch build the site gets, and why (envkit/recipe/bases.py choose_platform)
        from envkit.recipe.bases import load_base

        platform, why = load_base(p.base).choose_platform(p.cpu.arch, p.cuda.toolkit if p.cuda else None,
                                                          p.cuda.driver if p.cuda else None)
        data["base_platform"] = {"image": platform.image, "torch": platform.python.torch, "why": why}
    except EnvkitError as exc:
        data["base_platform"] = {"error": str(exc)}
    if as_json:
        out(json.dumps(data, indent=2, sort_keys=True) + "\n")
        return
    import yaml

    out(yaml.safe_dump(data, sort_keys=False, width=1000))


@site_app.command("validate")
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


@base_app.command("list")
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

    for module_name in ("docs_cmd", "build_cmd", "run_cmd", "export_cmd", "evaluate_cmd", "submit_cmd", "study_cmd",
                        "lock_cmd"):
        importlib.import_module(f"envkit.commands.{module_name}").register(app)
    from envkit.commands import data_cmd, train_cmd

    app.add_typer(data_cmd.app, name="data")
    app.command("train", context_settings=train_cmd.CONTEXT, add_help_option=False)(train_cmd.train)


_register_optional_commands()


EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_INTERNAL, EXIT_INTERRUPTED = 0, 1, 2, 70, 130


def debug() -> bool:
    """ENVKIT_DEBUG=1: let unexpected exceptions through with their traceback."""
    import os

    return os.environ.get("ENVKIT_DEBUG", "") not in ("", "0")


def internal_error_line(exc: BaseException) -> str:
    """One line for a bug: the exception's kind and first words, and how to see the traceback."""
    text = " ".join(str(exc).split())
    text = text if len(text) <= 160 else text[:157] + "..."
    return f"internal error: {exc.__class__.__name__}{': ' + text if text else ''} (ENVKIT_DEBUG=1 shows the traceback)"


def main() -> None:
    """Console entry point: one error path, one line on stderr, never a traceback.

    Exit codes: 0 done; 1 the job itself failed (a build, a run, a drift found by verify); 2 bad input
    (EnvkitError: a bad profile, an unknown site; a usage error: unknown option, missing argument);
    70 (EX_SOFTWARE) an unexpected exception, shown as one `internal error: ...` line (ENVKIT_DEBUG=1
    shows the traceback); 130 interrupted.
    """
    try:
        code = app(standalone_mode=False)
    except EnvkitError as exc:
        sys.stderr.write(f"error: {exc}\n")
        sys.exit(EXIT_BAD_INPUT)
    except (KeyboardInterrupt, typer.Abort):
        sys.stderr.write("interrupted\n")
        sys.exit(EXIT_INTERRUPTED)
    except Exception as exc:
        if hasattr(exc, "format_message") and hasattr(exc, "exit_code"):  # click's ClickException
            ctx = getattr(exc, "ctx", None)
            where = f" (see {ctx.command_path} --help)" if ctx is not None else ""
            sys.stderr.write(f"error: {' '.join(exc.format_message().split())}{where}\n")
            sys.exit(exc.exit_code)
        if debug():
            raise
        sys.stderr.write(f"error: {internal_error_line(exc)}\n")
        sys.exit(EXIT_INTERNAL)
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()

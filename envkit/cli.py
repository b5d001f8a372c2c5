"""The envkit command line (Typer). Each command lives in `envkit.commands.<name>_cmd` and is added by
that module's `register(app)`; heavy modules are imported inside commands, so `envkit --help` and
`envkit render` start fast and never import torch.

Example:
    $ envkit sites
    $ envkit render --site summit --layer site
    $ envkit build --site local
"""

from __future__ import annotations

import importlib
import sys

import typer

from envkit.commands.console import debug, internal_error_line
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

# The command modules, in the order `envkit --help` lists them (each is cheap to import).
COMMAND_MODULES = ("site_cmd", "base_cmd", "render_cmd", "docs_cmd", "explain_cmd", "build_cmd", "run_cmd",
                   "export_cmd", "evaluate_cmd", "submit_cmd", "study_cmd", "lock_cmd", "data_cmd", "train_cmd",
                   "project_cmd")

def _version(value: bool) -> None:
    if value:
        import envkit

        sys.stdout.write(f"envkit {envkit.__version__}\n")
        raise typer.Exit(0)


@app.callback()
def _options(version: bool = typer.Option(False, "--version", help="Print envkit's version and exit.",
                                          callback=_version, is_eager=True)) -> None:
    """Container-first, reproducible environments for AI on HPC sites."""


for _name in COMMAND_MODULES:
    importlib.import_module(f"envkit.commands.{_name}").register(app)


EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_INTERNAL, EXIT_INTERRUPTED = 0, 1, 2, 70, 130


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
    except typer.TyperException as exc:  # usage errors: unknown option, missing argument, bad value
        ctx = getattr(exc, "ctx", None)
        where = f" (see {ctx.command_path} --help)" if ctx is not None else ""
        sys.stderr.write(f"error: {' '.join(exc.format_message().split())}{where}\n")
        sys.exit(exc.exit_code)
    except Exception as exc:
        if debug():
            raise
        if isinstance(exc, RuntimeError) and str(exc).startswith("Symlink loop from "):  # Path.resolve(), 3.11
            sys.stderr.write(f"error: {str(exc).removeprefix('Symlink loop from ')}: a loop of symbolic links "
                             "(expected a file or a link to one)\n")
            sys.exit(EXIT_BAD_INPUT)
        sys.stderr.write(f"error: {internal_error_line(exc)}\n")
        sys.exit(EXIT_INTERNAL)
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()

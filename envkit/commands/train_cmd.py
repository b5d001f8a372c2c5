"""`envkit train WORKLOAD [options]`: the shared training runner (options as `python -m envkit.train`).

`register(app)` adds `train` as one command that hands its arguments to the runner's parser, so
the options live in one place (envkit.train.config); torch is imported only when the command runs.

Example:
    $ envkit train aigw --preset smoke --steps 20
    $ mpirun -np 2 envkit train resnet50 --dist ddp --precision bf16 --channels-last
"""

from __future__ import annotations

import typer

CONTEXT = {"allow_extra_args": True, "ignore_unknown_options": True, "help_option_names": []}


def train(ctx: typer.Context) -> None:
    """Train a workload with DDP or Horovod (options: envkit train --help). Example: envkit train aigw"""
    from envkit.train.runner import main

    try:
        code = main(list(ctx.args))
    except SystemExit as exc:  # argparse: --help (0) or a usage error (2)
        code = exc.code if isinstance(exc.code, int) else 2
    raise typer.Exit(code)


def register(app: typer.Typer) -> None:
    """Add `train` to the envkit app: its arguments go to the runner's own parser, --help included."""
    app.command("train", context_settings=CONTEXT, add_help_option=False)(train)

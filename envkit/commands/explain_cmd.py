"""`envkit explain LOG`: the known issues in a job log and their fixes for the log's site.

Example:
    $ envkit explain results/aigw-20261129-101500/job.log
    $ srun ... 2>&1 | envkit explain - --site hal
"""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from envkit.commands.options import OptionalSiteOpt


def explain_cmd(
    log: Annotated[str, typer.Argument(help="A job log, a run folder (its job.log) or - for stdin.")],
    site: OptionalSiteOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Find every known issue in a job log and print its cause and the fix for the log's site.

    Example: envkit explain results/RUN/job.log --site hal
    """
    from envkit.knownissues.explain import as_json as report_json
    from envkit.knownissues.explain import explain_text, read_log, site_of_run

    text, path = read_log(log)
    site = site or site_of_run(path)
    if as_json:
        report = report_json(text, site)
        sys.stdout.write(json.dumps(report, indent=2) + "\n")
    else:
        sys.stdout.write(explain_text(text, site))


def register(app: typer.Typer) -> None:
    """Add `explain` to the envkit command line."""
    app.command("explain")(explain_cmd)

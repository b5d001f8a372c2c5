"""`envkit run`: train a bundled workload inside the site's image, launched the site's way.

Registered by envkit.cli (`register(app)`). The image layers (base, site, workload) are built first when
their inputs changed (the same cached, atomic build as `envkit build`); `--native` skips the container.

Example:
    $ envkit run --site local workloads/aigw --np 2 --json -- --preset smoke --steps 20
    $ envkit run --site summit workloads/resnet50 --nodes 2 --dry-run -- --precision bf16
    $ envkit run --site local aides --native -- --steps 5
"""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

CONTEXT = {"allow_extra_args": True, "ignore_unknown_options": False}


def _err(text: str) -> None:
    sys.stderr.write(text)
    sys.stderr.flush()


def run_cmd(
    ctx: typer.Context,
    workload: Annotated[str, typer.Argument(help="Workload name or folder: aigw, workloads/resnet50, ...")],
    site: Annotated[str, typer.Option("--site", "-s", help="Site profile name or path to a YAML file.")] = "local",
    np_: Annotated[int | None, typer.Option("--np", "-n", help="Ranks in total (default: the profile's ranks "
                                                               "per node x --nodes).")] = None,
    nodes: Annotated[int, typer.Option("--nodes", "-N", help="Nodes to spread the ranks over.")] = 1,
    native: Annotated[bool, typer.Option("--native", help="Run with this machine's Python, no container.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the exact command; run and build nothing.")]
    = False,
    as_json: Annotated[bool, typer.Option("--json", help="End with one JSON line summarising metrics.json.")]
    = False,
    engine: Annotated[str | None, typer.Option("--engine", help="apptainer, singularity or charliecloud "
                                                                "(default: the profile's).")] = None,
    launcher: Annotated[str | None, typer.Option("--launcher", help="srun, jsrun, mpirun or torchrun "
                                                                    "(default: the profile's).")] = None,
    results: Annotated[Path, typer.Option("--results", help="Folder of run results on this host.")]
    = Path("results"),
    run_id: Annotated[str | None, typer.Option("--run-id", help="Name of the run's folder.")] = None,
    store: Annotated[Path | None, typer.Option("--store", help="Image store (default $ENVKIT_STORE or "
                                                               "~/.local/share/envkit).")] = None,
) -> None:
    """Run a workload inside the site's image through the site's launcher; arguments after `--` go to the
    training runner (see `python -m envkit.train --help`).

    Example: envkit run --site local workloads/aigw --np 2 --json -- --preset smoke --steps 20
    """
    from envkit.launch.base import get_launcher
    from envkit.launch.run import RunRequest, compose, new_run_id, ranks, read_summary, workload_name
    from envkit.profile import load_profile

    profile = load_profile(site)
    name = workload_name(workload)
    req = RunRequest(site=site, workload=name, np=np_, nodes=nodes, native=native, engine=engine,
                     launcher=launcher, results=results, run_id=run_id or new_run_id(name), args=list(ctx.args))
    ranks(profile, req)  # bad --np/--nodes or --launcher fail here, before a build can start
    get_launcher(launcher or profile.launcher.kind)
    container, stale = (None, False) if native else _container(site, name, engine, store, dry_run)
    argv = compose(profile, req, container, python=sys.executable if native else "python3")
    if dry_run:
        if stale:
            _err(f"# the image is not up to date; a real run builds it first (envkit build --site {site} "
                 f"--workload {name})\n")
        sys.stdout.write(shlex.join(argv) + "\n")
        return
    results.mkdir(parents=True, exist_ok=True)
    _err(f"+ {shlex.join(argv)}\n")
    from envkit.engines.proc import child_env

    try:
        code = subprocess.run(argv, check=False, env=child_env({})).returncode  # USER set: ch-run needs it
    except FileNotFoundError:
        from envkit.errors import EnvkitError

        raise EnvkitError(f"launcher {argv[0]!r} not found on PATH (the profile's launcher is "
                          f"{profile.launcher.kind}; --launcher picks another)") from None
    if code != 0:
        _err(f"error: the run exited with status {code} (results: {results / req.run_id})\n")
        raise typer.Exit(code if 0 < code < 126 else 1)
    summary = read_summary(results, req.run_id or "")
    if as_json:
        sys.stdout.write(json.dumps(summary, sort_keys=True) + "\n")
    else:
        sys.stdout.write(_line(summary))


def _line(s: dict[str, Any]) -> str:
    loss = f"{s['loss_start']:.4g} -> {s['loss_end']:.4g}" if s.get("loss_start") is not None else "n/a"
    return (f"{s['workload']} on {s['site']} ({s['engine']}, {s['world_size']} ranks): {s['throughput']:.1f} "
            f"{s['throughput_unit']}, loss {loss}; results in {s['results_dir']}\n")


def _container(site: str, workload: str, engine: str | None, store: Path | None,
               dry_run: bool):  # type: ignore[no-untyped-def]
    """(the workload's image, whether it was stale): built first (base, site, workload) when inputs changed."""
    from envkit.launch.run import prepare_container

    return prepare_container(site, workload, engine, store, dry_run)


def register(app: typer.Typer) -> None:
    """Add `run` to the envkit command line."""
    app.command("run", context_settings=CONTEXT)(run_cmd)

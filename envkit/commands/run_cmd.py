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
import os
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from envkit.commands.options import EngineOpt, ResultsOpt, SiteOpt, StoreOpt

CONTEXT = {"allow_extra_args": True, "ignore_unknown_options": False}


def _err(text: str) -> None:
    sys.stderr.write(text)
    sys.stderr.flush()


def run_cmd(
    ctx: typer.Context,
    workload: Annotated[str, typer.Argument(help="Workload name or folder (aigw, workloads/resnet50), or your "
                                                 "project's folder (its requirements; COMMAND after `--`).")],
    site: SiteOpt = "local",
    np_: Annotated[int | None, typer.Option("--np", "-n", help="Ranks in total (default: the profile's ranks "
                                                               "per node x --nodes).")] = None,
    nodes: Annotated[int, typer.Option("--nodes", "-N", help="Nodes to spread the ranks over.")] = 1,
    native: Annotated[bool, typer.Option("--native", help="Run with this machine's Python, no container.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the exact command; run and build nothing.")]
    = False,
    as_json: Annotated[bool, typer.Option("--json", help="End with one JSON line summarising metrics.json.")]
    = False,
    engine: EngineOpt = None,
    launcher: Annotated[str | None, typer.Option("--launcher", help="A launcher of envkit.registry.LAUNCHERS "
                                                                    "(srun, mpirun, torchrun, ...; default: the "
                                                                    "profile's).")] = None,
    results: ResultsOpt
    = Path("results"),
    run_id: Annotated[str | None, typer.Option("--run-id", help="Name of the run's folder.")] = None,
    store: StoreOpt = None,
    replace: Annotated[bool, typer.Option("--replace", help="Train over a run id that already has results.")]
    = False,
) -> None:
    """Run a workload inside the site's image through the site's launcher; arguments after `--` go to the
    training runner (see `python -m envkit.train --help`).

    Example: envkit run --site local workloads/aigw --np 2 --json -- --preset smoke --steps 20
    """
    from envkit.launch.run import RunRequest, compose, new_run_id, ranks, read_summary, workload_name
    from envkit.launchers.base import get_launcher
    from envkit.profile import load_profile

    profile = load_profile(site)
    runner_args = list(ctx.args)
    results, runner_args = lift_runner_option(runner_args, "--results", results, Path("results"), Path)
    run_id, runner_args = lift_runner_option(runner_args, "--run-id", run_id, None, str)
    check_run_args(np_, nodes, results, run_id)
    from envkit.project.spec import is_project

    if is_project(workload):
        if native:
            from envkit.errors import EnvkitError

            raise EnvkitError("a project runs inside its image (drop --native)")
        from envkit.commands.project_cmd import run_project

        check_nodes(profile.nodes.count, nodes)
        return run_project(site, workload, list(ctx.args), np_=np_, nodes=nodes, engine=engine, launcher=launcher,
                           results=results, run_id=run_id, store=store, dry_run=dry_run, as_json=as_json)
    name = workload_name(workload)
    req = RunRequest(site=site, workload=name, np=np_, nodes=nodes, native=native, engine=engine,
                     launcher=launcher, results=results, run_id=run_id or new_run_id(name), args=runner_args)
    ranks(profile, req)  # bad --np/--nodes or --launcher fail here, before a build can start
    check_nodes(profile.nodes.count, nodes)
    get_launcher(launcher or profile.launcher.kind)
    container, stale = (None, False) if native else _container(site, name, engine, store, dry_run, results,
                                                               req.args)
    argv = compose(profile, req, container, python=sys.executable if native else "python3")
    if dry_run:
        if stale:
            _err(f"# the image is not up to date; a real run builds it first (envkit build --site {site} "
                 f"--workload {name})\n")
        sys.stdout.write(shlex.join(argv) + "\n")
        return
    try:
        results.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        from envkit.errors import EnvkitError

        raise EnvkitError(f"--results {results}: cannot create it ({exc.strerror})") from None
    from envkit.engines.proc import child_env
    from envkit.launch.claim import claim_run

    try:
        with claim_run(results / (req.run_id or ""), resume="--resume" in req.args, replace=replace):
            _err(f"+ {shlex.join(argv)}\n")
            code = subprocess.run(argv, check=False, env=child_env({})).returncode  # USER set: ch-run needs it
    except FileNotFoundError:
        from envkit.errors import EnvkitError

        raise EnvkitError(f"launcher {argv[0]!r} not found on PATH (the profile's launcher is "
                          f"{profile.launcher.kind}; --launcher picks another)") from None
    if code != 0:
        _err(f"error: the run exited with status {code} (results: {results / (req.run_id or '')})\n")
        raise typer.Exit(code if 0 < code < 126 else 1)
    summary = read_summary(results, req.run_id or "")
    if as_json:
        sys.stdout.write(json.dumps(summary, sort_keys=True) + "\n")
    else:
        sys.stdout.write(_line(summary))


def lift_runner_option(args: list[str], flag: str, ours: Any, default: Any, kind: Any) -> tuple[Any, list[str]]:
    """A runner option given after `--` that `envkit run` must know too (where the results go, the run's
    name): taken out of the runner's arguments and used as envkit's own, so the run is read back where
    the runner wrote it. Both given and different: a one-line error.

    >>> lift_runner_option(["--steps", "2", "--results", "out"], "--results", Path("results"), Path("results"), Path)
    (PosixPath('out'), ['--steps', '2'])
    >>> lift_runner_option(["--run-id=a"], "--run-id", None, None, str)
    ('a', [])
    """
    from envkit.errors import EnvkitError

    rest: list[str] = []
    found: str | None = None
    it = iter(args)
    for a in it:
        if a == flag:
            found = next(it, None)
            if found is None:
                raise EnvkitError(f"{flag} after -- needs a value")
        elif a.startswith(flag + "="):
            found = a.split("=", 1)[1]
        else:
            rest.append(a)
    if found is None:
        return ours, args
    value = kind(found)
    if ours != default and ours != value:
        raise EnvkitError(f"{flag} {ours} and, after --, {flag} {found}: give it once (before --)")
    return value, rest


def check_nodes(site_nodes: int, nodes: int) -> None:
    """--nodes may not ask for more nodes than the site has (nodes.count in the profile)."""
    from envkit.errors import EnvkitError

    if nodes > site_nodes:
        raise EnvkitError(f"--nodes {nodes} is more than the site's {site_nodes} node(s) (nodes.count)")


def check_run_args(np_: int | None, nodes: int, results: Path, run_id: str | None) -> None:
    """Refuse, before anything is built or launched, arguments that are impossible or dangerous.

    --results is bound read-write into the container, so it may not be a system folder (or /);
    --run-id names a folder inside it, so it is a plain name (no `/`, no `..`).

    >>> check_run_args(None, 2, Path("results"), "aigw-1")
    >>> check_run_args(None, 1, Path("/"), None)
    Traceback (most recent call last):
    envkit.errors.EnvkitError: --results /: / is a system folder; ... (give a folder of your own, e.g. results)
    """
    from envkit.errors import EnvkitError
    from envkit.profile.safety import NO_RW_UNDER, SYSTEM_FOLDERS

    if np_ is not None and np_ < 1:
        raise EnvkitError(f"--np must be at least 1, got {np_}")
    if nodes < 1:
        raise EnvkitError(f"--nodes must be at least 1, got {nodes}")
    if run_id is not None:
        from envkit.launch.run import check_run_id

        check_run_id(run_id)
    text = str(results)
    if "\x00" in text or len(text) > 1024:
        raise EnvkitError("--results is not a usable folder name")
    try:
        real = os.path.realpath(results)
    except (OSError, ValueError):
        raise EnvkitError(f"--results {text[:70]!r} cannot be resolved") from None
    if real in SYSTEM_FOLDERS or any(real == f or real.startswith(f + "/") for f in (*NO_RW_UNDER, "/var/lib")):
        where = "a" if real in SYSTEM_FOLDERS else "inside a"
        raise EnvkitError(f"--results {text}: {real} is {where} system folder; results are written read-write there "
                          "(give a folder of your own, e.g. results)")
    if os.path.lexists(results) and not os.path.isdir(results):
        raise EnvkitError(f"--results {text} exists and is not a folder")


def _line(s: dict[str, Any]) -> str:
    loss = f"{s['loss_start']:.4g} -> {s['loss_end']:.4g}" if s.get("loss_start") is not None else "n/a"
    rate = f"{s['throughput']:.1f} {s['throughput_unit']}" if s.get("throughput") is not None else "throughput n/a"
    return (f"{s['workload']} on {s['site']} ({s['engine']}, {s['world_size']} ranks): {rate}, "
            f"loss {loss}; results in {s['results_dir']}\n")


def _container(site: str, workload: str, engine: str | None, store: Path | None,
               dry_run: bool, results: Path, args: list[str]):
    """(the workload's image, whether it was stale): built first (base, site, [horovod,] workload) when inputs
    changed; the Horovod layer only when the runner's arguments say --dist horovod."""
    from envkit.launch.run import prepare_container, wants_horovod

    return prepare_container(site, workload, engine, store, dry_run, results, wants_horovod(args))


def register(app: typer.Typer) -> None:
    """Add `run` to the envkit command line."""
    app.command("run", context_settings=CONTEXT)(run_cmd)

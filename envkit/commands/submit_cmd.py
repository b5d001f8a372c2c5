"""`envkit submit`, `envkit jobs`, `envkit results`: batch jobs on the site's scheduler and their results.

Registered by envkit.cli (`register(app)`). The job script is rendered from recipes/jobs/<scheduler>.sh.j2
with the launch line from the launch model (the same one `envkit run` uses), submitted with the real
sbatch / bsub / qsub, and recorded under RESULTS/RUN_ID.

Example:
    $ envkit submit --site summit workloads/aigw --nodes 4 --dry-run
    $ envkit submit --site local-slurm workloads/aigw --nodes 1 --wait -- --preset smoke --steps 20
    $ envkit jobs
    $ envkit results aigw-20261129-101500-000001
"""

from __future__ import annotations

import json
import shutil
import sys
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from envkit.commands.options import EngineOpt, ResultsOpt, SiteOpt, StoreOpt
from envkit.errors import EnvkitError

CONTEXT = {"allow_extra_args": True, "ignore_unknown_options": False}


def submit_cmd(
    ctx: typer.Context,
    workload: Annotated[str, typer.Argument(help="Workload name or folder (aigw, workloads/resnet50), or your "
                                                 "project's folder (its requirements; COMMAND after `--`).")],
    site: SiteOpt = "local",
    nodes: Annotated[int, typer.Option("--nodes", "-N", help="Nodes to ask for.")] = 1,
    np_: Annotated[int | None, typer.Option("--np", "-n", help="Ranks in total (default: the profile's ranks "
                                                               "per node x --nodes).")] = None,
    walltime: Annotated[str | None, typer.Option("--time", "-t", help="Wall time, HH:MM:SS.")] = None,
    account: Annotated[str | None, typer.Option("--account", "-A", help="Account or project to charge.")] = None,
    queue: Annotated[str | None, typer.Option("--partition", "--queue", "-q", help="Partition (Slurm) or "
                                                                                   "queue (LSF, PBS).")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the job script; build and submit nothing.")]
    = False,
    wait: Annotated[bool, typer.Option("--wait", help="Wait for the job to end; exit 1 when it failed.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the job record as JSON.")] = False,
    engine: EngineOpt = None,
    results: ResultsOpt = Path("results"),
    run_id: Annotated[str | None, typer.Option("--run-id", help="Name of the run's folder.")] = None,
    store: StoreOpt = None,
) -> None:
    """Submit a workload as a batch job on the site's scheduler; arguments after `--` go to the training runner.

    Example: envkit submit --site hal workloads/aigw --nodes 2 --time 02:00:00 -- --preset paper
    """
    from envkit.batch.jobs import JobOptions, job_script, submit
    from envkit.launch.run import RunRequest, compose, new_run_id, prepare_container, ranks, workload_name
    from envkit.profile import load_profile
    from envkit.schedulers.base import get_scheduler

    profile = load_profile(site)
    scheduler = get_scheduler(profile.scheduler.kind)  # a site without a scheduler fails here, before a build
    if not dry_run and shutil.which(scheduler.program) is None:
        raise EnvkitError(f"{scheduler.program} not found on PATH: submit from a login node of the site "
                          f"({scheduler.name}), or use --dry-run to see the script")
    from envkit.project.spec import is_project

    extra: dict[str, Any] = {}
    if is_project(workload):  # your own project: its image, its command after `--` (envkit.project)
        from envkit.launch.project_image import project_image
        from envkit.project.lock import load_project_lock
        from envkit.project.spec import load_project

        project = load_project(workload)
        name = project.name
        req = RunRequest(site=site, workload=name, np=np_, nodes=nodes, engine=engine, results=results,
                         run_id=run_id or new_run_id(name), args=list(ctx.args) or list(project.config.command),
                         project=project.folder)
        world = ranks(profile, req)
        container, stale, _plan = project_image(site, project.folder, engine, store, dry_run)
        build_hint = f"{project.folder}"
        if not dry_run:
            extra = {"project": str(project.folder), "engine": container.engine.name, "image": container.image,
                     "manifest_hash": container.manifest_hash, "command": req.args, "world_size": world[0] * world[1],
                     "lock_hash": load_project_lock(profile, project, fresh=False).digest()}
    else:
        name = workload_name(workload)
        req = RunRequest(site=site, workload=name, np=np_, nodes=nodes, engine=engine, results=results,
                         run_id=run_id or new_run_id(name), args=list(ctx.args))
        ranks(profile, req)
        container, stale = prepare_container(site, name, engine, store, dry_run, results)
        build_hint = f"--workload {name}"
    script = job_script(profile, req, JobOptions(walltime, account, queue),
                        compose(profile, req, container, in_job_script=True))
    if dry_run:
        if stale:
            sys.stderr.write(f"# the image is not up to date; a real submit builds it first (envkit build --site "
                             f"{site} {build_hint})\n")
        sys.stdout.write(script)
        return
    record = submit(profile, req, script, extra)
    sys.stderr.write(f"submitted job {record['job_id']} ({record['scheduler']}); results in {record['results']}\n")
    if wait:
        record = _wait(Path(record["results"]))
    if as_json:
        sys.stdout.write(json.dumps(record, sort_keys=True) + "\n")
    else:
        sys.stdout.write(f"{record['run_id']} job {record['job_id']} {record.get('state', 'SUBMITTED')}\n")
    if wait and record["state"] != "COMPLETED":
        _print_tail(record)
        raise typer.Exit(1)


def _wait(run_dir: Path, poll: float = 2.0) -> dict[str, Any]:
    from envkit.batch.jobs import describe
    from envkit.schedulers.base import FINAL_STATES

    while True:
        info = describe(run_dir)
        if info["state"] in FINAL_STATES:
            return info
        time.sleep(poll)


def _print_tail(info: dict[str, Any]) -> None:
    tail = info.get("log_tail") or []
    sys.stderr.write(f"error: run {info['run_id']} {info['state']}" + (f"; last lines of {info.get('log')}:\n"
                                                                       if tail else " (no log)\n"))
    for line in tail:
        sys.stderr.write(f"  {line}\n")


def jobs_cmd(results: ResultsOpt = Path("results"),
             as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False) -> None:
    """List submitted jobs and runs with their state. Example: envkit jobs --results results"""
    from envkit.batch.jobs import describe, list_runs

    for run_dir in list_runs(results):
        info = describe(run_dir)
        if as_json:
            sys.stdout.write(json.dumps(info, sort_keys=True) + "\n")
        else:
            sys.stdout.write(f"{info['run_id']:<40} {info.get('site', '-'):<12} {info.get('scheduler', '-'):<6} "
                             f"{str(info.get('job_id', '-')):<10} {info['state']}\n")


def results_cmd(
    run: Annotated[list[str] | None, typer.Argument(help="Run ids (default: every run in --results).")] = None,
    results: ResultsOpt = Path("results"),
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
) -> None:
    """Show runs with their state and metrics; a failed run shows the end of its log.

    Example: envkit results aigw-20261129-101500-000001 --json
    """
    from envkit.batch.jobs import describe, list_runs

    dirs = [results / r for r in run] if run else list_runs(results)
    failed = False
    for run_dir in dirs:
        if not run_dir.is_dir():
            raise EnvkitError(f"no run {run_dir.name!r} in {results}")
        info = describe(run_dir)
        failed |= info["state"] in ("FAILED", "CANCELLED", "TIMEOUT")
        if as_json:
            sys.stdout.write(json.dumps(info, sort_keys=True) + "\n")
            continue
        m = info.get("metrics") or {}
        figures = (f"{m['world_size']} ranks, {m['throughput']:.1f} {m.get('throughput_unit', '')}, loss "
                   f"{m.get('loss_start', float('nan')):.4g} -> {m.get('loss_end', float('nan')):.4g}"
                   if m.get("throughput") is not None else "no metrics")
        sys.stdout.write(f"{info['run_id']} {info['state']} ({info.get('site') or m.get('site', '?')}): {figures}\n")
        if info.get("log_tail"):
            _print_tail(info)
    if failed:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add `submit`, `jobs` and `results` to the envkit command line."""
    app.command("submit", context_settings=CONTEXT)(submit_cmd)
    app.command("jobs")(jobs_cmd)
    app.command("results")(results_cmd)

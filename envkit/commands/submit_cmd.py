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
from envkit.errors import EnvkitError, printable

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
    launcher: Annotated[str | None, typer.Option("--launcher", help="srun, mpirun, torchrun, ... inside the job "
                                                                    "(default: the profile's launcher).")] = None,
) -> None:
    """Submit a workload as a batch job on the site's scheduler; arguments after `--` go to the training runner.

    Example: envkit submit --site hal workloads/aigw --nodes 2 --time 02:00:00 -- --preset paper
    """
    from envkit.batch.jobs import JobOptions, job_script, submit
    from envkit.launch.run import (
        RunRequest,
        check_run_id,
        compose,
        new_run_id,
        prepare_container,
        ranks,
        wants_horovod,
        workload_name,
    )
    from envkit.profile import load_profile
    from envkit.schedulers.base import get_scheduler

    if run_id is not None:
        check_run_id(run_id)
    profile = load_profile(site)
    scheduler = get_scheduler(profile.scheduler.kind)  # a site without a scheduler fails here, before a build
    if walltime is not None:
        walltime_seconds(walltime, scheduler.name)
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
        req = RunRequest(site=site, workload=name, np=np_, nodes=nodes, engine=engine, launcher=launcher,
                         results=results, run_id=run_id or new_run_id(name),
                         args=list(ctx.args) or list(project.config.command), project=project.folder)
        world = ranks(profile, req)
        container, stale, _plan = project_image(site, project.folder, engine, store, dry_run)
        build_hint = f"{project.folder}"
        if not dry_run:
            extra = {"project": str(project.folder), "engine": container.engine.name, "image": container.image,
                     "manifest_hash": container.manifest_hash, "command": req.args, "world_size": world[0] * world[1],
                     "lock_hash": load_project_lock(profile, project, fresh=False).digest()}
    else:
        name = workload_name(workload)
        req = RunRequest(site=site, workload=name, np=np_, nodes=nodes, engine=engine, launcher=launcher,
                         results=results, run_id=run_id or new_run_id(name), args=list(ctx.args))
        ranks(profile, req)
        container, stale = prepare_container(site, name, engine, store, dry_run, results, wants_horovod(req.args))
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


WALLTIME_FORMS = {
    # sbatch(1) --time: "minutes", "minutes:seconds", "hours:minutes:seconds", "days-hours",
    # "days-hours:minutes" and "days-hours:minutes:seconds" (https://slurm.schedmd.com/sbatch.html)
    "slurm": r"(?:(?P<d>\d+)-(?P<dh>\d+)(?::(?P<dm>\d+)(?::(?P<ds>\d+))?)?|(?P<h>\d+):(?P<m>\d+):(?P<s>\d+)"
             r"|(?P<mm>\d+):(?P<ss>\d+)|(?P<min>\d+))",
    # bsub -W [hour:]minute (https://www.ibm.com/docs/en/spectrum-lsf/10.1.0?topic=options-w); envkit also takes
    # HH:MM:SS and D-HH:MM:SS and converts them (the LSF scheduler module's lsf_walltime)
    "lsf": r"(?:(?P<d>\d+)-)?(?:(?P<h>\d+):)?(?P<m>\d+)(?::(?P<s>\d+))?",
    # qsub -l walltime=[[hours:]minutes:]seconds (PBS Professional reference guide)
    "pbs": r"(?:(?:(?P<h>\d+):)?(?P<m>\d+):)?(?P<s>\d+)",
}


def walltime_seconds(text: str, scheduler: str) -> int:
    """--time in seconds, parsed the way `scheduler` reads it; zero, malformed or above a year is refused
    (Slurm reads --time=0 as no limit).

    >>> walltime_seconds("02:00:00", "slurm"), walltime_seconds("1-00:30", "slurm"), walltime_seconds("90", "slurm")
    (7200, 88200, 5400)
    >>> walltime_seconds("0", "slurm")
    Traceback (most recent call last):
    ...
    envkit.errors.EnvkitError: --time '0' is zero (slurm would read it as no limit); give e.g. 01:30:00
    """
    import re

    form = WALLTIME_FORMS.get(scheduler, WALLTIME_FORMS["slurm"])
    match = re.fullmatch(form, text.strip()) if len(text) <= 32 else None
    if match is None:
        raise EnvkitError(f"--time {text[:40]!r} is not a {scheduler} wall time (expected e.g. 01:30:00)")
    g = {k: int(v) for k, v in match.groupdict().items() if v is not None}
    seconds = (g.get("d", 0) * 86400 + (g.get("dh", 0) + g.get("h", 0)) * 3600
               + (g.get("dm", 0) + g.get("m", 0) + g.get("mm", 0) + g.get("min", 0)) * 60
               + g.get("ds", 0) + g.get("s", 0) + g.get("ss", 0))
    if scheduler == "lsf" and "s" not in g and "h" not in g and "d" not in g:
        seconds = g.get("m", 0) * 60
    if seconds <= 0:
        raise EnvkitError(f"--time {text!r} is zero ({scheduler} would read it as no limit); give e.g. 01:30:00")
    if seconds > 366 * 86400:
        raise EnvkitError(f"--time {text!r} is more than a year; give e.g. 01:30:00")
    return seconds


def _wait(run_dir: Path, poll: float = 2.0, give_up_s: float = 600.0) -> dict[str, Any]:
    """Poll until the job ends; give up (one line, exit 1) when the scheduler has not reported the job for
    `give_up_s` seconds ($ENVKIT_WAIT_UNKNOWN_S): it forgot the job, or its tools stopped answering."""
    import os

    from envkit.batch.jobs import describe
    from envkit.schedulers.base import FINAL_STATES

    give_up_s = float(os.environ.get("ENVKIT_WAIT_UNKNOWN_S", give_up_s))
    unknown_since: float | None = None
    while True:
        info = describe(run_dir)
        if info["state"] in FINAL_STATES:
            return info
        if info["state"] == "UNKNOWN":
            unknown_since = unknown_since or time.monotonic()
            if time.monotonic() - unknown_since >= give_up_s:
                raise EnvkitError(f"job {info.get('job_id', '?')}: the scheduler has not reported it for "
                                  f"{give_up_s:.0f} s; stopped waiting (see envkit jobs --results "
                                  f"{run_dir.parent})", file=str(run_dir))
        else:
            unknown_since = None
        time.sleep(poll)


def _print_tail(info: dict[str, Any]) -> None:
    tail = info.get("log_tail") or []
    sys.stderr.write(f"error: run {info['run_id']} {info['state']}" + (f"; last lines of {info.get('log')}:\n"
                                                                       if tail else " (no log)\n"))
    for line in tail:
        sys.stderr.write(f"  {line}\n")
    if info.get("failed_nodes"):
        sys.stderr.write(f"failed node(s): {', '.join(info['failed_nodes'])} "
                         f"({'; '.join(f'{n}: {s}' for n, s in (info.get('nodes') or {}).items())})\n")
    for node, lines in (info.get("node_log_tails") or {}).items():
        sys.stderr.write(f"last lines from {node}:\n" + "".join(f"  {line}\n" for line in lines))
    for issue in info.get("known_issues") or []:
        sys.stderr.write(f"known issue: [{issue['id']}] {issue['title']} (envkit explain {info['results']} for the "
                         "cause and fix)\n")


def jobs_cmd(results: ResultsOpt = Path("results"),
             as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False) -> None:
    """List submitted jobs and runs with their state. Example: envkit jobs --results results"""
    from envkit.batch.jobs import describe, list_runs

    for run_dir in list_runs(results):
        info = describe(run_dir)
        if as_json:
            sys.stdout.write(json.dumps(info, sort_keys=True) + "\n")
        else:
            sys.stdout.write(printable(f"{info['run_id']:<40} {info.get('site', '-'):<12} "
                                       f"{info.get('scheduler', '-'):<6} {str(info.get('job_id', '-')):<10} "
                                       f"{info['state']}") + "\n")


def results_cmd(
    run: Annotated[list[str] | None, typer.Argument(help="Run ids (default: every run in --results).")] = None,
    results: ResultsOpt = Path("results"),
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
) -> None:
    """Show runs with their state and metrics; a failed run shows the end of its log.

    Example: envkit results aigw-20261129-101500-000001 --json
    """
    from envkit.batch.jobs import describe, list_runs
    from envkit.launch.run import check_run_id

    if not results.is_dir():
        raise EnvkitError(f"--results {results}: no such folder")
    dirs = [results / check_run_id(r, "run id") for r in run] if run else list_runs(results)
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
        sys.stdout.write(printable(f"{info['run_id']} {info['state']} ({info.get('site') or m.get('site', '?')}): "
                                   f"{figures}") + "\n")   # a results folder is anyone's: no escapes
        if info.get("problem"):
            sys.stderr.write(f"  {info['problem']}\n")
        if info.get("log_tail"):
            _print_tail(info)
    if failed:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add `submit`, `jobs` and `results` to the envkit command line."""
    app.command("submit", context_settings=CONTEXT)(submit_cmd)
    app.command("jobs")(jobs_cmd)
    app.command("results")(results_cmd)

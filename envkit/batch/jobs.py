"""Batch jobs: write a job script from the profile and the launch model, submit it, and read runs back.

A job's folder is RESULTS/RUN_ID: job.sh (the script), job.json (job id, scheduler, site, workload, ...),
job.log (the scheduler's output file), job-exit-code (written by the script when the launcher returns) and
metrics.json (written by the training runner). The state of a run comes from its exit-code file once there
is one, else from the scheduler's tools.

Example:
    >>> from envkit.profile import load_profile
    >>> from envkit.launch.run import RunRequest
    >>> req = RunRequest(site="hal", workload="aigw", nodes=2, run_id="r1", results=Path("/res"))
    >>> text = job_script(load_profile("hal"), req, JobOptions(), argv=["srun", "x"])
    >>> [line for line in text.splitlines() if line.startswith("#SBATCH --nodes")]
    ['#SBATCH --nodes=2']
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from envkit.errors import EnvkitError, printable
from envkit.fsutil import atomic_write_text, new_exec_mode
from envkit.launch import shown
from envkit.launch.run import RunRequest, ranks, run_label
from envkit.profile.fields import Name, Walltime
from envkit.profile.load import profile_hash
from envkit.profile.model import Profile
from envkit.records import job as job_file
from envkit.records import metrics as metrics_file
from envkit.records.job import Job
from envkit.records.metrics import Metrics
from envkit.records.reader import read_bytes
from envkit.schedulers.base import FINAL_STATES, JobSpec, get_scheduler

RECORD = "job.json"
SCRIPT = "job.sh"
LOG = "job.log"
EXIT = "job-exit-code"


@dataclass(frozen=True)
class JobOptions:
    """What `envkit submit` may override: wall time, account, partition or queue."""

    time: str | None = None
    account: str | None = None
    queue: str | None = None


def _checked(kind: Any, value: str | None, option: str) -> str | None:
    if value is None:
        return None
    try:
        return str(TypeAdapter(kind).validate_python(value))
    except ValidationError:
        raise EnvkitError(f"{option} {value!r} is not valid (expected e.g. "
                          f"{'01:30:00' if kind is Walltime else 'a plain name such as gpu or PROJECT123'})") from None


def job_spec(profile: Profile, req: RunRequest, opts: JobOptions, argv: list[str],
             workdir: Path | None = None) -> JobSpec:
    """The job's resources from the profile, the request and the options; argv from the launch model."""
    nodes, per_node = ranks(profile, req)
    sched = profile.scheduler
    results = req.results.resolve()
    run_dir = results / (req.run_id or "")
    default_queue = getattr(sched, get_scheduler(sched.kind).queue_key)   # partition (Slurm) or queue
    return JobSpec(
        site=profile.name, workload=run_label(req), run_id=req.run_id or "", nodes=nodes,
        tasks_per_node=per_node, log=str(run_dir / LOG),
        gpus_per_node=profile.gpu.per_node if profile.gpu.vendor != "none" else 0,
        cores_per_node=profile.cpu.cores_per_node, cpus_per_task=profile.launcher.cpus_per_task,
        gpu_request=profile.launcher.gpu_request if not profile.launcher.header_gpus else "gpus-per-node",
        gres_type=profile.launcher.gres_type,
        time=_checked(Walltime, opts.time, "--time") or sched.walltime,
        account=_checked(Name, opts.account, "--account") or sched.account,
        queue=_checked(Name, opts.queue, "--queue") or default_queue,
        extra=tuple(sched.directives), select=tuple(sched.select), required=tuple(sched.required),
        modules=tuple(profile.modules), argv=tuple(argv),
        workdir=str(workdir or Path.cwd()), exit_file=str(run_dir / EXIT), profile_hash=profile_hash(profile))


def job_script(profile: Profile, req: RunRequest, opts: JobOptions, argv: list[str],
               workdir: Path | None = None) -> str:
    """The job script text (the scheduler's template, recipes/jobs/job.sh.j2), every value shell-quoted."""
    from envkit.recipe.render import render_template

    scheduler = get_scheduler(profile.scheduler.kind)
    spec = job_spec(profile, req, opts, argv, workdir)
    return render_template(scheduler.template,
                           job=_Context(spec, scheduler.directives(spec), scheduler.prefix, scheduler.first_host))


def job_header(profile: Profile, req: RunRequest, opts: JobOptions | None = None) -> str:
    """The head of the script `job_script` writes for this request: the interpreter line and the scheduler's
    directives, from the same template and Scheduler class (the help-desk pages show it)."""
    prefix = get_scheduler(profile.scheduler.kind).prefix + " "
    lines = job_script(profile, req, opts or JobOptions(), argv=[]).splitlines()
    return "\n".join(itertools.takewhile(lambda line: line.startswith(("#!", prefix)), lines))


@dataclass(frozen=True)
class _Context:
    spec: JobSpec
    directives: list[str]
    prefix: str
    first_host: str

    @property
    def rendezvous(self) -> bool:
        """Does the launch line meet at the allocation's first host (multi-node torchrun)?"""
        return any(shown.RENDEZVOUS_HOST in word for word in self.spec.argv)

    @property
    def module_lines(self) -> list[str]:
        """One `module VERB WORDS` line per profile entry, every word shell-quoted (envkit.profile.modules)."""
        import shlex

        from envkit.profile.modules import module_words

        return [shlex.join(["module", *module_words(entry)]) for entry in self.spec.modules]

    @property
    def command_line(self) -> str:
        """The launch line, every word quoted; the rendezvous stand-in shown as "$ENVKIT_RDZV_HOST"."""
        return shown.shell_line(self.spec.argv, shown.JOB_WORDS)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.spec, name)


def submit(profile: Profile, req: RunRequest, script: str, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """Write the script and record under RESULTS/RUN_ID, submit with the real scheduler, return the record
    (with `extra` facts: a project's image, hashes and command)."""
    scheduler = get_scheduler(profile.scheduler.kind)
    run_dir = req.results.resolve() / (req.run_id or "")
    run_dir.mkdir(parents=True, exist_ok=True)
    for stale in (EXIT, NODES):  # a resubmission (e.g. --resume after a failure): the last verdict is not this one's
        (run_dir / stale).unlink(missing_ok=True)
    if (run_dir / LOG).is_file():
        (run_dir / LOG).replace(run_dir / "job.previous.log")
    path = run_dir / SCRIPT
    atomic_write_text(path, script, mode=new_exec_mode())   # run by the scheduler: exec bits the umask allows
    argv, stdin = scheduler.submit_argv(str(path))
    try:
        proc = subprocess.run(argv, input=script if stdin else None, capture_output=True, text=True, timeout=120,
                              check=False)
    except FileNotFoundError:
        raise EnvkitError(f"{argv[0]} not found on PATH: submit from a login node of the site "
                          f"({profile.scheduler.kind}), or use --dry-run to see the script") from None
    if proc.returncode != 0:
        raise EnvkitError(f"{argv[0]} refused the job (exit {proc.returncode}): "
                          f"{' '.join(proc.stderr.split())[:300]}")
    record = {"job_id": scheduler.job_id(proc.stdout), "scheduler": scheduler.name, "site": profile.name,
              "workload": run_label(req), "run_id": req.run_id, "script": str(path),
              "log": str(run_dir / LOG), "results": str(run_dir), "nodes": req.nodes,
              "submitted": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), **(extra or {})}
    atomic_write_text(run_dir / RECORD, json.dumps(record, indent=2, sort_keys=True) + "\n")
    return record


def run_state(run_dir: Path, record: Job | None = None, metrics: Metrics | None = None) -> str:
    """COMPLETED / FAILED from the exit-code file, else the scheduler's word, else UNKNOWN.

    A zero exit without metrics is FAILED too: the workload never reported.
    """
    try:
        code = int(read_bytes(run_dir / EXIT, 64).decode("ascii", "replace").strip())
    except (EnvkitError, ValueError):
        code = None
    reported = metrics is not None or bool(record is not None and (record.model_extra or {}).get("project"))
    if code is not None:                      # a project's job reports no metrics of its own (envkit.project)
        return "COMPLETED" if code == 0 and reported else "FAILED"
    if record is not None and record.job_id and record.scheduler:
        try:
            scheduler = get_scheduler(record.scheduler)
        except EnvkitError:
            return "UNKNOWN"
        state = scheduler.state(record.job_id)
        if state == "COMPLETED":  # done, yet no exit file: the script did not reach its end
            return "COMPLETED" if reported else "FAILED"
        return state if state in (*FINAL_STATES, "PENDING", "RUNNING") else "UNKNOWN"
    if metrics is not None:  # an `envkit run`, no job
        return "COMPLETED" if metrics.finished else "FAILED"
    if (run_dir / "run.json").is_file():  # a project's `envkit run` (envkit.project.record)
        try:
            status = json.loads(read_bytes(run_dir / "run.json", 1024 * 1024)).get("status")
        except (EnvkitError, ValueError, AttributeError):
            return "FAILED"
        return {"finished": "COMPLETED", "failed": "FAILED"}.get(status, "UNKNOWN")
    return "UNKNOWN"


def log_tail(run_dir: Path, lines: int = 15) -> list[str]:
    """The last lines of the job's log or a project run's run.log (empty when there is none), with terminal
    escape sequences and other control characters shown as text, never acted on (a log is the job's output,
    anyone's)."""
    try:
        with open(run_dir / (LOG if (run_dir / LOG).is_file() else "run.log"), "rb") as fh:
            fh.seek(0, 2)
            fh.seek(max(fh.tell() - 64 * 1024, 0))
            text = fh.read().decode("utf-8", errors="replace")
    except OSError:
        return []
    return [printable(line) for line in text.splitlines()[-lines:]]


def list_runs(results: Path) -> list[Path]:
    """Run folders under `results` that hold a job record or metrics, oldest first; a --results that is not
    a folder is an error (a mistyped name would otherwise list nothing and succeed)."""
    if not results.is_dir():
        raise EnvkitError(f"--results {results}: no such folder")
    runs = [d for d in results.iterdir()
            if d.is_dir() and ((d / RECORD).is_file() or (d / metrics_file.FILENAME).is_file()
                                  or (d / "run.json").is_file())]
    return sorted(runs, key=lambda d: d.name)


def describe(run_dir: Path) -> dict[str, Any]:
    """One run: its record, state, metrics summary (when there are metrics) and, when it failed, its log tail.
    A damaged job.json or metrics.json is reported in `problem` (one line) and the run counts as FAILED."""
    out: dict[str, Any] = {"run_id": run_dir.name, "results": str(run_dir)}
    record: Job | None = None
    metrics: Metrics | None = None
    problems: list[str] = []
    if (run_dir / RECORD).exists():
        try:
            record = job_file.read(run_dir / RECORD)
            out.update(record.model_dump(mode="json", exclude={"schema_version"}, exclude_none=True))
            out["run_id"] = run_dir.name
        except EnvkitError as exc:
            problems.append(str(exc))
    if (run_dir / metrics_file.FILENAME).exists():
        try:
            metrics = metrics_file.read(run_dir / metrics_file.FILENAME)
            out["metrics"] = metrics.summary.model_dump(mode="json")
            out["manifest_hash"] = metrics.manifest_hash or metrics.summary.manifest_hash
        except EnvkitError as exc:
            problems.append(str(exc))
            out["metrics"] = {}
    out["state"] = "FAILED" if problems else run_state(run_dir, record, metrics)
    if problems:
        out["problem"] = "; ".join(problems)
    if out["state"] in ("FAILED", "CANCELLED", "TIMEOUT"):
        out["log_tail"] = log_tail(run_dir)
        out["known_issues"] = known_issues(run_dir)
        out.update(node_report(run_dir, out))  # out holds job.json's fields
    return out


def known_issues(run_dir: Path) -> list[dict[str, str]]:
    """The known issues (`envkit explain`) found in a run's log: id and title of each, in log order."""
    from envkit.errors import EnvkitError
    from envkit.knownissues import scan

    try:
        text = (run_dir / LOG).read_text(errors="replace")
        return [{"id": m.issue.id, "title": m.issue.title} for m in scan(text)]
    except (OSError, EnvkitError):
        return []


NODES = "job-nodes.json"


def node_report(run_dir: Path, record: dict[str, Any]) -> dict[str, Any]:
    """A failed job node by node (envkit.batch.nodes): `nodes` (each node's state), `failed_nodes` and
    `node_log_tails`. Read from the scheduler once and kept in job-nodes.json, since the controller
    forgets a job and a node comes back; {} for a job that is not Slurm's."""
    from envkit.batch import nodes as nodemod

    try:
        return dict(json.loads((run_dir / NODES).read_text()))
    except (OSError, ValueError):
        pass
    if record.get("scheduler") != "slurm" or not record.get("job_id"):
        return {}
    try:
        lines = (run_dir / LOG).read_text(errors="replace").splitlines()[-2000:]
    except OSError:
        lines = []
    try:
        hosts = list(metrics_file.read(run_dir / metrics_file.FILENAME).hosts)
    except EnvkitError:  # no metrics yet, or damaged (describe reports that)
        hosts = []
    names = nodemod.slurm_job_nodes(str(record["job_id"]))
    worlds = [int(m) for m in re.findall(r"\[rank \d+/(\d+)\]", "\n".join(lines))]
    world = max(worlds, default=len(hosts) or len(names))
    tails = nodemod.node_tails(lines, names, world, hosts)
    in_log = nodemod.failed_in_log(lines)
    # a job the controller no longer places (requeued, or forgotten): its nodes as the log names them
    states = nodemod.slurm_node_states(names or sorted({*tails, *in_log, *hosts}))
    failed = sorted({n for n, s in states.items() if nodemod.is_bad(s)} | set(in_log))
    report = {"nodes": states, "failed_nodes": failed, "node_log_tails": tails}
    if failed:  # the verdict is in: keep it
        atomic_write_text(run_dir / NODES, json.dumps(report, indent=2, sort_keys=True) + "\n")
    return report

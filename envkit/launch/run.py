"""The launch model: the site's launcher around the engine's exec around the training runner.

`compose` is the one function that turns a site and a request into a command line: `envkit run`, the batch
scripts of `envkit submit` and the help-desk pages all call it, so they cannot disagree.

Data flows one way: profile -> (built image) -> engine exec wrapper -> launcher argv -> ranks, each running
`python -m envkit.train WORKLOAD --site ... --results ... --run-id ...`. Everything is an argv list; no
profile or CLI value is ever parsed by a shell.

Example:
    >>> from envkit.profile import load_profile
    >>> req = RunRequest(site="local", workload="workloads/aigw", np=2, run_id="r1", results=Path("/tmp/res"),
    ...                  args=["--preset", "smoke"])
    >>> argv = compose(load_profile("local"), req, python="python3")
    >>> argv[:3], argv[-4:]
    (['mpirun', '-np', '2'], ['--dist', 'ddp', '--preset', 'smoke'])
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from envkit.engines.base import Engine, GpuKind, gpu_kind
from envkit.errors import EnvkitError
from envkit.launchers.base import LaunchPlan, launch_argv
from envkit.paths import RESULTS as RESULTS_IN_IMAGE
from envkit.profile.model import Profile
from envkit.recipe.workload_spec import load_workload_spec


@dataclass
class RunRequest:
    """What `envkit run` was asked for."""

    site: str
    workload: str
    np: int | None = None
    nodes: int = 1
    native: bool = False
    engine: str | None = None
    launcher: str | None = None
    results: Path = Path("results")
    run_id: str | None = None
    args: list[str] = field(default_factory=list)
    project: Path | None = None       # a project folder: args are the command each rank runs (envkit.project)


@dataclass(frozen=True)
class ImageRef:
    """The built image a run uses: its engine, reference, binds and manifest hash."""

    engine: Engine
    image: str
    binds: tuple[str, ...] = ()
    gpu: GpuKind = False
    manifest_hash: str = ""


def run_label(req: RunRequest) -> str:
    """What a run is of: the bundled workload's name, or the project's name (req.workload holds it)."""
    return req.workload if req.project is not None else workload_name(req.workload)


def workload_name(text: str) -> str:
    """The bundled workload's name, given `aigw` or `workloads/aigw`.

    >>> workload_name("workloads/aides/")
    'aides'
    """
    return load_workload_spec(text).name


RUN_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")


def check_run_id(value: str, option: str = "--run-id") -> str:
    """A run id or series name names one folder inside --results: a plain name, never a path.

    >>> check_run_id("aigw-1")
    'aigw-1'
    >>> check_run_id("../x", "--series")
    Traceback (most recent call last):
    ...
    envkit.errors.EnvkitError: --series '../x' must be a plain name: letters, digits, '.', '_' or '-', ...
    """
    if not RUN_ID.fullmatch(value):
        raise EnvkitError(f"{option} {value[:70]!r} must be a plain name: letters, digits, '.', '_' or '-', "
                          "starting with a letter or digit, at most 128")
    return value


def new_run_id(workload: str, now: dt.datetime | None = None) -> str:
    """A run id that sorts by time: WORKLOAD-YYYYmmdd-HHMMSS-ffffff.

    >>> new_run_id("aigw", dt.datetime(2026, 11, 26, 3, 4, 5, 6))
    'aigw-20261126-030405-000006'
    """
    now = now or dt.datetime.now()
    return f"{workload}-{now:%Y%m%d-%H%M%S-%f}"


def ranks(profile: Profile, req: RunRequest) -> tuple[int, int]:
    """(nodes, tasks per node): --np spread evenly over --nodes, else the profile's ranks per node.

    >>> from envkit.profile import load_profile
    >>> ranks(load_profile("summit"), RunRequest(site="summit", workload="aigw", nodes=2))
    (2, 6)
    """
    if req.nodes < 1:
        raise EnvkitError(f"--nodes must be >= 1, got {req.nodes}")
    if req.np is None:
        return req.nodes, profile.tasks_per_node
    if req.np < 1 or req.np % req.nodes:
        raise EnvkitError(f"--np {req.np} does not spread evenly over --nodes {req.nodes}")
    return req.nodes, req.np // req.nodes


def runner_command(profile: Profile, req: RunRequest, world_size: int, engine: str, results: str,
                   manifest_hash: str, python: str) -> list[str]:
    """The command each rank runs: the shared training runner with the run's identity.

    DDP is chosen for you when there is more than one rank and the arguments name no --dist; without a
    run id the runner names the run itself.
    """
    name = workload_name(req.workload)
    cmd = [python, "-m", "envkit.train", name, "--site", profile.name, "--engine", engine, "--results", results]
    if req.run_id:  # without one (the help-desk pages) the runner names the run itself
        cmd += ["--run-id", req.run_id]
    if manifest_hash:
        cmd += ["--manifest-hash", manifest_hash]
    if world_size > 1 and not any(a == "--dist" or a.startswith("--dist=") for a in req.args):
        cmd += ["--dist", "ddp"]
    return [*cmd, *req.args]


def compose(profile: Profile, req: RunRequest, container: ImageRef | None = None,
            python: str = "python3", in_job_script: bool = False) -> list[str]:
    """The full argv of a run: launcher, then (unless native) the engine's exec, then the runner.

    in_job_script: the line goes into a batch script, where the allocation's first host (torchrun's rendezvous
    across nodes) is read when the job runs: it stands as `envkit.launch.shown.RENDEZVOUS_HOST`, which the
    script shows as "$ENVKIT_RDZV_HOST". Otherwise it comes from this process's job environment, if any.
    """
    nodes, per_node = ranks(profile, req)
    world = nodes * per_node
    results = str(req.results.resolve())
    if container is not None:
        results_arg = RESULTS_IN_IMAGE
        engine_name = container.engine.name
        binds = run_binds(container, req.results)
        options = container.engine.container_options(container.image, binds=binds, gpu=container.gpu)
        wrapper = [] if options is not None else \
            container.engine.exec_argv(container.image, [], binds=binds, env=runtime_env(profile),
                                        gpu=container.gpu, host_env=True)
        manifest_hash = container.manifest_hash
    else:
        results_arg, engine_name, wrapper, options, manifest_hash = results, "none", [], None, ""
    env = tuple(sorted(profile.defaults.env.items()))
    if req.project is not None:
        from envkit.launch.project import project_binds, project_command, project_env

        if container is None:
            raise EnvkitError("a project runs inside its image (drop --native)")
        binds = (*binds, *project_binds(req))
        options = container.engine.container_options(container.image, binds=binds, gpu=container.gpu)
        wrapper = [] if options is not None else \
            container.engine.exec_argv(container.image, [], binds=binds, gpu=container.gpu, host_env=True)
        command = project_command(req.args)
        env = (*env, *project_env(req, world))
    else:
        command = runner_command(profile, req, world, engine_name, results_arg, manifest_hash, python)
    master = _master_addr(profile, req, in_job_script) if nodes > 1 else None
    if master:
        env = (*env, ("ENVKIT_MASTER_ADDR", master))
    plan = LaunchPlan(nodes=nodes, tasks_per_node=per_node, command=tuple(command),
                      gpus_per_task=1 if profile.gpu.vendor != "none" else 0,
                      wrapper=tuple(wrapper), container_options=tuple(options or ()), env=env,
                      rendezvous=_rendezvous(in_job_script, req.run_id) if nodes > 1 else None)
    return launch_argv(profile, plan, req.launcher)


def runtime_env(profile: Profile) -> list[tuple[str, str]]:
    """What the container's environment needs at run time for the host parts bound into it (the bind model):
    LD_LIBRARY_PATH with the host MPI's folders first (mpi.library_path), then the host's libfabric and NCCL
    plugin, then the image's own MPI; empty when nothing of the host's is bound. One home for run, submit and docs.

    >>> from envkit.profile import load_profile
    >>> runtime_env(load_profile("local"))
    []
    >>> runtime_env(load_profile("polaris"))[0][1].split(":")[0]
    '/opt/cray/pe/mpich/8.1.28/ofi/gnu/12.3/lib-abi-mpich'
    """
    from envkit.recipe.layers import mpi_prefix, rocm_env

    net = profile.interconnect
    host = [*profile.mpi.library_path, *([net.host_libfabric] if net.host_libfabric else []),
            *([net.nccl_plugin.host_path] if net.nccl_plugin else [])]
    # An AMD site's image may be the centre's or one built from envkit's rendered recipe elsewhere (envkit build
    # refuses ROCm images here), so the RCCL and MIOpen variables the centres document travel on the run line.
    rocm = rocm_env(profile)
    if not host:
        return rocm
    image = [] if mpi_prefix(profile) == "/usr" else [f"{mpi_prefix(profile)}/lib"]
    return [("LD_LIBRARY_PATH", ":".join(dict.fromkeys([*host, *image]))), *rocm]


def _master_addr(profile: Profile, req: RunRequest, in_job_script: bool) -> str | None:
    """The first host, read on the host side, for launchers whose ranks cannot read the node list themselves:
    in a job script the stand-in the script fills from the scheduler when the job runs, else this job's."""
    from envkit.launchers.base import get_launcher

    if not get_launcher(req.launcher or profile.launcher.kind).needs_master_addr:
        return None
    if in_job_script:
        from envkit.launch.shown import RENDEZVOUS_HOST

        return RENDEZVOUS_HOST
    address = rendezvous()
    return address.rsplit(":", 1)[0] if address else None


def run_binds(container: ImageRef, results: Path) -> tuple[str, ...]:
    """The binds of a run: the site's, the MPI's, and the results folder at its place in the image."""
    return (*container.binds, f"{results.resolve()}:{RESULTS_IN_IMAGE}")


def _rendezvous(in_job_script: bool, key: str | None) -> str | None:
    from envkit.launch.hosts import rendezvous_port
    from envkit.launch.shown import RENDEZVOUS_HOST

    port = rendezvous_port(key)
    return f"{RENDEZVOUS_HOST}:{port}" if in_job_script else rendezvous(port=port)


def rendezvous(env: dict[str, str] | None = None, port: int | None = None) -> str | None:
    """HOST:PORT of the first node: $ENVKIT_MASTER_ADDR, else the allocation's first host (Slurm, PBS, LSF); the
    port is envkit.launch.hosts.rendezvous_port's (torchrun's default without a run id).

    >>> rendezvous({"SLURM_JOB_NODELIST": "hal[07-09]"})
    'hal07:29500'
    """
    from envkit.launch.hosts import allocation_first_host, rendezvous_port

    env = dict(os.environ) if env is None else env
    host = env.get("ENVKIT_MASTER_ADDR") or allocation_first_host(env)
    return f"{host}:{rendezvous_port(None) if port is None else port}" if host else None


def wants_horovod(args: list[str]) -> bool:
    """Do the runner's arguments ask for Horovod (`--dist horovod` or `--dist=horovod`)? Such a run needs the
    image with the Horovod layer.

    >>> wants_horovod(["--preset", "smoke", "--dist", "horovod"]), wants_horovod(["--dist=ddp"]), wants_horovod([])
    (True, False, False)
    """
    return any(a == "--dist=horovod" or (a == "--dist" and args[i + 1:i + 2] == ["horovod"])
               for i, a in enumerate(args))


def container_for(profile: Profile, workload: str, engine: str | None = None, store: Path | None = None,
                  horovod: bool = False) -> ImageRef:
    """The workload image a run of `profile` uses, where `envkit build` puts it (built or not); with `horovod`
    the one on top of the Horovod layer.

    The same path, binds and manifest hash as the build pipeline's plan, without rendering anything, so the
    help-desk pages and batch scripts can name the image cheaply.
    """
    import hashlib

    from envkit.engines.base import get_engine
    from envkit.recipe.layers import workload_tag
    from envkit.store.paths import LayerPaths, default_store, engine_root

    eng = get_engine(engine or profile.container.engine)
    root = engine_root(store or default_store(), eng.name)
    tag = workload_tag(profile, workload_name(workload), horovod)
    try:
        manifest_hash = hashlib.sha256(LayerPaths(root, tag).manifest.read_bytes()).hexdigest()[:16]
    except OSError:
        manifest_hash = ""
    binds = tuple(profile.binds)
    return ImageRef(engine=eng, image=str(eng.image_path(root, tag)), binds=binds, gpu=gpu_kind(profile),
                    manifest_hash=manifest_hash)


def prepare_container(site: str, workload: str, engine: str | None = None, store: Path | None = None,
                      dry_run: bool = False, results: Path = Path("results"),
                      horovod: bool = False) -> tuple[ImageRef, bool]:
    """(the workload's image, whether it was stale): built first (base, site, [horovod,] workload) when inputs
    changed, unless dry_run, and the files the engine's run needs written (results: the run's results folder;
    horovod: the image with the Horovod layer); build progress goes to stderr so stdout stays for the command's
    own lines."""
    import sys

    from envkit.engines.base import get_engine
    from envkit.pipeline.build import BuildOptions, plan_build, run_build
    from envkit.pipeline.progress import PlainReporter
    from envkit.profile import load_profile

    profile = load_profile(site)
    if get_engine(engine or profile.container.engine).builder is not None:
        # an engine that only runs images (Shifter, enroot, CSCS CE): envkit cannot build or check them here
        ref = container_for(profile, workload, engine, store, horovod)
        if not dry_run:
            write_run_files(ref, results)
        return ref, False
    opts = BuildOptions(site=site, workload=workload, layer="workload", engine=engine, store=store,
                        dry_run=dry_run, horovod=horovod)
    plan = plan_build(opts)
    stale = any(lp.needs_build for lp in plan.layers)
    if stale and not dry_run:
        run_build(opts, PlainReporter(sys.stderr))
    ref = container_for(plan.profile, workload, engine, store, horovod)
    if not dry_run:
        write_run_files(ref, results)
    return ref, stale


def write_run_files(ref: ImageRef, results: Path) -> None:
    """Write the files the engine needs before a run (e.g. CSCS's environment definition), atomically."""
    from envkit.fsutil import atomic_write_text

    for path, text in ref.engine.run_files(ref.image, binds=run_binds(ref, results), gpu=ref.gpu).items():
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(Path(path), text)


def read_summary(results: Path, run_id: str) -> dict[str, Any]:
    """The run's summary from results/RUN_ID/metrics.json, with results_dir as seen from the host."""
    from envkit.records import metrics

    path = results / run_id / metrics.FILENAME
    record = metrics.read(path)
    if "summary" not in record.model_fields_set:
        raise EnvkitError(f"{path}: no summary (the run ended before its first record)")
    summary = record.summary.model_dump(mode="json")
    summary["results_dir"] = str((results / run_id).resolve())
    summary["status"] = record.status
    return summary

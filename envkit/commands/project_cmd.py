"""Projects on the command line: `envkit shell` and `envkit exec`, and the project branches of `run`, `submit`,
`build` and `lock` (a folder holding requirements.txt, pyproject.toml or environment.yml; see envkit.project).

Example:
    $ envkit lock --site local ./myproj                       # ./myproj/pylock.local.toml
    $ envkit run --site local ./myproj --np 2 -- python train.py
    $ envkit exec --site local ./myproj -- python -c 'import tabulate'
    $ envkit shell --site local ./myproj
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import typer

from envkit.commands.options import DryRunCommandOpt, EngineOpt, ProjectArg, SiteOpt, StoreOpt

CONTEXT = {"allow_extra_args": True, "ignore_unknown_options": False}


def _err(text: str) -> None:
    sys.stderr.write(text)
    sys.stderr.flush()


def run_project(site: str, folder: str, args: list[str], *, np_: int | None, nodes: int, engine: str | None,
                launcher: str | None, results: Path, run_id: str | None, store: Path | None,
                dry_run: bool, as_json: bool) -> None:
    """`envkit run --site SITE PROJECT -- COMMAND...`: COMMAND in every rank, launched the site's way (run_cmd
    has checked --np, --nodes, --results and --run-id)."""
    import json
    import os

    from envkit.engines.proc import child_env
    from envkit.errors import EnvkitError
    from envkit.launch.project_image import project_image
    from envkit.launch.run import RunRequest, compose, new_run_id, ranks
    from envkit.launchers.base import get_launcher
    from envkit.profile import load_profile
    from envkit.project.lock import load_project_lock
    from envkit.project.record import RunRecord, run_logged, timed
    from envkit.project.spec import load_project

    profile = load_profile(site)
    project = load_project(folder)
    command = args or list(project.config.command)
    req = RunRequest(site=site, workload=project.name, np=np_, nodes=nodes, engine=engine, launcher=launcher,
                     results=results, run_id=run_id or new_run_id(project.name), args=command,
                     project=project.folder)
    nodes_, per_node = ranks(profile, req)
    get_launcher(launcher or profile.launcher.kind)
    container, stale, _plan = project_image(site, project.folder, engine, store, dry_run)
    argv = compose(profile, req, container)
    if dry_run:
        if stale:
            _err(f"# the image is not up to date; a real run builds it first (envkit build --site {site} "
                 f"{project.folder})\n")
        sys.stdout.write(shlex.join(argv) + "\n")
        return
    run_dir = results.resolve() / (req.run_id or "")
    try:
        run_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise EnvkitError(f"--results {results}: cannot create it ({exc.strerror})") from None
    record = RunRecord(run_id=req.run_id or "", project=project.name, project_dir=str(project.folder),
                       site=profile.name, engine=container.engine.name, image=container.image,
                       manifest_hash=container.manifest_hash,
                       lock_hash=load_project_lock(profile, project, fresh=False).digest(),
                       world_size=nodes_ * per_node, nodes=nodes_, command=command, launch=argv)
    record.write(run_dir)
    _err(f"+ {shlex.join(argv)}\n")
    try:
        code, seconds = timed(run_logged, argv, run_dir, child_env({}))
    except FileNotFoundError:
        raise EnvkitError(f"launcher {argv[0]!r} not found on PATH (the profile's launcher is "
                          f"{profile.launcher.kind}; --launcher picks another)") from None
    record.finish(code, run_dir, seconds)
    if as_json:
        sys.stdout.write(json.dumps({**record.__dict__, "results_dir": str(run_dir)}, sort_keys=True) + "\n")
    else:
        _err(f"{project.name} on {profile.name} ({record.engine}, {record.world_size} ranks): exit {code}; "
             f"results in {run_dir}{os.sep}\n")
    if code != 0:
        _err(f"error: the run exited with status {code} (log: {run_dir / 'run.log'})\n")
        raise typer.Exit(code if 0 < code < 126 else 1)


def _image_and_command(site: str, project: str | None, command: list[str], engine: str | None,
                       store: Path | None) -> list[str]:
    """The engine's exec line for one command in the project's image (or the site's image without a project)."""
    from envkit.profile import load_profile
    from envkit.recipe.project_layer import PROJECT_DIR

    profile = load_profile(site)
    if project is None:
        from envkit.pipeline.build import BuildOptions, plan_build, run_build
        from envkit.pipeline.progress import PlainReporter

        opts = BuildOptions(site=site, engine=engine, store=store)
        plan = plan_build(opts)
        if any(lp.needs_build for lp in plan.layers):
            plan = run_build(opts, PlainReporter(sys.stderr))
        binds = tuple(dict.fromkeys([*profile.container.binds, *profile.mpi.bind_paths]))
        return plan.engine.exec_argv(plan.top.image, command, binds=binds, gpu=plan.gpu, host_env=True)
    from envkit.launch.project import project_binds, project_command
    from envkit.launch.project_image import project_image
    from envkit.launch.run import RunRequest
    from envkit.project.spec import load_project

    proj = load_project(project)
    ref, _stale, _plan = project_image(site, proj.folder, engine, store)
    req = RunRequest(site=site, workload=proj.name, project=proj.folder)
    return ref.engine.exec_argv(ref.image, project_command(command), binds=(*ref.binds, *project_binds(req)),
                                env=[("ENVKIT_WORKDIR", PROJECT_DIR)], gpu=ref.gpu, host_env=True)


def exec_cmd(
    ctx: typer.Context,
    project: ProjectArg = None,
    site: SiteOpt = "local",
    engine: EngineOpt = None,
    store: StoreOpt = None,
    dry_run: DryRunCommandOpt = False,
) -> None:
    """Run one command in the project's image (or the site's), without a launcher: one process, here.

    Example: envkit exec --site local ./myproj -- python -c 'import tabulate; print(tabulate.__version__)'
    """
    from envkit.engines.proc import child_env
    from envkit.errors import EnvkitError

    command = list(ctx.args)
    if not command:
        raise EnvkitError("give the command after `--` (e.g. envkit exec --site local PROJECT -- python -V)")
    argv = _image_and_command(site, project, command, engine, store)
    if dry_run:
        sys.stdout.write(shlex.join(argv) + "\n")
        return
    import subprocess

    code = subprocess.run(argv, check=False, env=child_env({})).returncode
    if code != 0:
        raise typer.Exit(code if 0 < code < 126 else 1)


def shell_cmd(
    project: ProjectArg = None,
    site: SiteOpt = "local",
    engine: EngineOpt = None,
    store: StoreOpt = None,
    dry_run: DryRunCommandOpt = False,
) -> None:
    """Open an interactive shell in the project's image (or the site's), in the project's bound folder.

    Example: envkit shell --site local ./myproj
    """
    import os

    from envkit.engines.proc import child_env

    argv = _image_and_command(site, project, ["/bin/bash", "-i"], engine, store)
    if dry_run:
        sys.stdout.write(shlex.join(argv) + "\n")
        return
    env = child_env({})
    os.execvpe(argv[0], argv, env)


def register(app: typer.Typer) -> None:
    """Add `shell` and `exec` to the envkit command line."""
    app.command("shell")(shell_cmd)
    app.command("exec", context_settings=CONTEXT)(exec_cmd)

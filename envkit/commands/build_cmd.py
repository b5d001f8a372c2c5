"""`envkit build`, `inspect`, `verify`, `doctor`: build a site's image and check it against the host.

Registered by envkit.cli (`register(app)`); heavy modules are imported inside each command.

Example:
    $ envkit build --site local                 # base, then site layer, each only if its inputs changed
    $ envkit build --site hal --dry-run         # the exact apptainer/singularity commands
    $ envkit inspect --site local --json        # what is inside the image, read from inside it
    $ envkit verify --site local                # exit 1 when the image drifted from its manifest
    $ envkit doctor --site local                # host vs image: driver, arch, MPI, engine, binds
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from envkit.commands.options import EngineOpt, JsonOpt, OptionalSiteOpt, SiteOpt, StoreOpt, WorkloadOpt, build_options


def _out(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()


def build_cmd(
    site: SiteOpt,
    project: Annotated[Path | None, typer.Argument(help="Your project's folder: its layer on the site's "
                                                        "(from its lock, `envkit lock --site SITE PROJECT`).")]
    = None,
    layer: Annotated[str | None, typer.Option(help="Build up to this layer: base, site, horovod or workload.")]
    = None,
    workload: WorkloadOpt = None,
    horovod: Annotated[bool, typer.Option("--horovod", help="With Horovod (its own layer, compiled: minutes), "
                                                            "as a run with --dist horovod needs.")] = False,
    engine: EngineOpt = None,
    rebuild: Annotated[bool, typer.Option("--rebuild", help="Build every layer even when up to date.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the exact commands; build nothing.")] = False,
    jobs: Annotated[int | None, typer.Option("--jobs", "-j", min=1, help="Parallel compile jobs in a build.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but errors.")] = False,
    as_json: JsonOpt = False,
    store: StoreOpt = None,
) -> None:
    """Build a site's image layers (base, site, [horovod,] workload), each only when its inputs changed.

    Example: envkit build --site local
    """
    from envkit.pipeline.build import dry_run_lines, plan_build, run_build
    from envkit.pipeline.progress import reporter_for
    from envkit.project.spec import checked_project

    opts = build_options(site, engine, store, workload, layer=layer, rebuild=rebuild, dry_run=dry_run, jobs=jobs,
                         horovod=horovod, project=checked_project(project, workload, layer))
    if dry_run:
        plan = plan_build(opts)
        if as_json:
            _out(json.dumps(_summary(plan, dry_run_lines(plan, opts)), indent=2) + "\n")
        else:
            _out("\n".join(dry_run_lines(plan, opts)) + "\n")
        return
    plan = run_build(opts, reporter_for(quiet, as_json))
    if as_json:
        _out(json.dumps(_summary(plan), indent=2) + "\n")
    elif not quiet:
        _out(f"image: {plan.top.image}\n")


def _summary(plan: Any, commands: list[str] | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "site": plan.profile.name, "engine": plan.engine.name, "engine_version": plan.engine_version,
        "store": str(plan.root),
        "layers": [{"layer": lp.layer.kind, "tag": lp.layer.tag, "status": lp.status if commands is None
                    else ("build" if lp.needs_build else "up to date"), "reason": lp.reason, "key": lp.key,
                    "seconds": round(lp.seconds, 1), "image": lp.image, "log": str(lp.paths.log)}
                   for lp in plan.layers],
    }
    if commands is not None:
        data["commands"] = commands
    return data


def inspect_cmd(site: SiteOpt, workload: WorkloadOpt = None, engine: EngineOpt = None, as_json: JsonOpt = False,
                store: StoreOpt = None,
                sbom: Annotated[bool, typer.Option("--sbom", help="Print the SPDX 2.3 SBOM (JSON).")] = False) -> None:
    """Show what is inside a site's image (recorded from inside it at build time).

    Example: envkit inspect --site local --json
    """
    from envkit.pipeline.inspect import load_manifest
    from envkit.store.image_manifest import summary

    _plan, _lp, manifest = load_manifest(build_options(site, engine, store, workload))
    if sbom:
        from envkit.export.sbom import sbom_json

        _out(sbom_json(manifest))
        return
    if as_json:
        _out(json.dumps({**summary(manifest), "manifest": manifest}, indent=2, sort_keys=True) + "\n")
        return
    for key, value in summary(manifest).items():
        _out(f"{key:<14} {value}\n")


def verify_cmd(site: OptionalSiteOpt = None,
               workload: WorkloadOpt = None, engine: EngineOpt = None, as_json: JsonOpt = False,
               store: StoreOpt = None,
               artifact: Annotated[Path | None, typer.Argument(help="An exported SIF or OCI archive.")] = None) -> None:
    """Re-read the image from inside and compare it with its manifest and the current render; exit 1 on drift.

    Example: envkit verify --site local   (or: envkit verify envkit-local.sif)
    """
    from envkit.pipeline.inspect import verify

    if artifact is not None:
        from envkit.commands.export_cmd import verify_artifact_cmd

        return verify_artifact_cmd(artifact, as_json)
    if site is None:
        from envkit.errors import EnvkitError

        raise EnvkitError("give --site SITE (the built image) or a FILE (an exported artifact)")

    report = verify(build_options(site, engine, store, workload))
    from envkit.pipeline.inspect import load_manifest
    from envkit.store.image_manifest import lock_drift_lines

    plan, _lp, manifest = load_manifest(build_options(site, engine, store, workload))  # and against the lock
    report.drift += lock_drift_lines(plan.profile.name, ["base", *([f"workload-{Path(workload).name}"]
                                                                   if workload else [])], manifest.get("pip") or {})
    if as_json:
        _out(json.dumps(report.as_dict(), indent=2) + "\n")
    else:
        for line in report.drift:
            _out(f"drift: {line}\n")
        for line in report.notes:
            _out(f"note: {line}\n")
        _out(f"{'ok' if report.ok else 'DRIFT'}: {report.image}\n")
    if not report.ok:
        raise typer.Exit(1)


def doctor_cmd(site: SiteOpt, image: Annotated[Path | None, typer.Option("--image", help="Check this image "
                                                                          "instead of the site's built one.")] = None,
               engine: EngineOpt = None, as_json: JsonOpt = False, store: StoreOpt = None,
               bundle: Annotated[Path | None, typer.Option("--bundle", help="Also write a ticket archive (tar.gz): "
                                                           "versions, profile, image, checks, host and job facts, "
                                                           "log tails; secrets redacted.")] = None,
               logs: Annotated[list[Path] | None, typer.Option("--log", help="A job log or run folder whose tail "
                                                                 "goes into --bundle (repeat; default: the newest "
                                                                 "run under ./results).")] = None) -> None:
    """Check this host against a site's image: GPU driver vs CUDA, arch, MPI, engine, GPUs, binds; exit 1 on a fail.

    Without an image, the checks the profile can answer (arch, driver vs CUDA, MPI) run against the profile, and
    each check that cannot run says `skipped:` and why.

    Example: envkit doctor --site local
    """
    from envkit.pipeline import doctor

    opts = build_options(site, engine, store, None)
    profile, eng, manifest, image_ref = _doctor_image(opts, image)
    host = doctor.gather_host(eng, profile.mpi.vendor)
    counter = None
    if image_ref and host.gpus and eng.available():
        def counter() -> int:
            proc = eng.run(image_ref, ["nvidia-smi", "-L"], gpu=True, timeout=120)
            return sum(1 for line in proc.stdout.splitlines() if line.startswith("GPU "))
    findings = doctor.run_checks(profile, host, manifest, eng.install_hint, counter)
    if as_json:
        _out(json.dumps(doctor.as_dict(findings, host), indent=2) + "\n")
    else:
        for f in findings:
            _out(f"{f.status:<5} {f.check:<11} {f.message}" + (f"  -> {f.fix}" if f.fix and f.status != "ok" else "")
                 + "\n")
    if bundle is not None:
        from envkit.ticket.bundle import write_bundle

        written = write_bundle(bundle, profile, doctor.as_dict(findings, host), manifest, logs or [])
        sys.stderr.write(f"wrote {written.path} ({written.size} bytes, {len(written.members)} files, "
                         f"{written.redactions} value(s) redacted)\n")
    if any(f.status == "fail" for f in findings):
        raise typer.Exit(1)


def _doctor_image(opts: Any, image: Path | None):
    """(profile, engine, manifest or None, image reference or None) for doctor."""
    from envkit.pipeline.build import plan_build
    from envkit.store.image_manifest import IMAGE_MANIFEST

    opts.dry_run = True
    plan = plan_build(opts)
    if image is None:
        lp = plan.top
        try:
            manifest = json.loads(lp.paths.manifest.read_text())
        except (OSError, ValueError):
            return plan.profile, plan.engine, None, None
        return plan.profile, plan.engine, manifest, lp.image
    inside = image / IMAGE_MANIFEST.lstrip("/")
    if inside.is_file():
        return plan.profile, plan.engine, json.loads(inside.read_text()), str(image)
    if not image.exists():
        from envkit.errors import EnvkitError

        raise EnvkitError(f"image {image} not found")
    return plan.profile, plan.engine, plan.engine.inspect(str(image)), str(image)


def register(app: typer.Typer) -> None:
    """Add build, inspect, verify and doctor to the envkit command line."""
    app.command("build")(build_cmd)
    app.command("inspect")(inspect_cmd)
    app.command("verify")(verify_cmd)
    app.command("doctor")(doctor_cmd)

"""`envkit export`, `envkit push`, `envkit pull`: portable images (SIF, OCI) built without Apptainer or root.

Registered by envkit.cli (`register(app)`); the work is in envkit.export.

Example:
    $ envkit export --site local --format sif            # ./envkit-local.sif (+ .sha256, .spdx.json)
    $ envkit export --site local --format oci -o x.tar   # an oci-archive skopeo and podman read
    $ envkit push 127.0.0.1:5000/envkit/local:sif --file envkit-local.sif
    $ envkit pull 127.0.0.1:5000/envkit/local:sif -o local.sif
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from envkit.commands.options import EngineOpt, JsonOpt, SiteOpt, StoreOpt, WorkloadOpt, build_options

FormatOpt = Annotated[str, typer.Option("--format", "-f", help="sif, oci, docker-archive, sqfs or tar.")]
ProjectOpt = Annotated[Path | None, typer.Option("--project", help="Your project's folder: its image (base, site "
                                                                   "and project layer) instead of the site's.")]
PlainOpt = Annotated[bool | None, typer.Option("--plain-http/--tls", help="Plain HTTP to the registry (default: "
                                                                          "only for a loopback registry).")]


def _out(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()


def export_cmd(
    site: SiteOpt,
    fmt: FormatOpt = "sif",
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Write here (default: ./TAG.EXT).")] = None,
    workload: WorkloadOpt = None,
    project: ProjectOpt = None,
    engine: EngineOpt = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but the path and errors.")] = False,
    as_json: JsonOpt = False,
    store: StoreOpt = None,
    compression: Annotated[str | None, typer.Option("--compression", help="The squashfs's of a sif or sqfs: "
                                                    "gzip-fast (default; every Apptainer and Singularity reads "
                                                    "gzip), gzip, zstd, lz4 or xz.")] = None,
) -> None:
    """Write the site's image as a file (building it first when missing or stale), with sha256 and SBOM beside it.

    Example: envkit export --site local --format sif
    """
    from envkit.errors import EnvkitError
    from envkit.export.artifact import export_site
    from envkit.fsutil import check_output, disk_full
    from envkit.pipeline.progress import reporter_for

    if output is not None:
        check_output(output, "-o")
    try:
        opts = build_options(site, engine, store, workload, project=_project(project, workload))
        result = export_site(opts, fmt, output, reporter_for(True, False)
                             if quiet or as_json else reporter_for(False, False), compression,
                             progress=not (quiet or as_json))
    except OSError as exc:
        where = output or Path.cwd()
        raise EnvkitError(disk_full(str(exc), where) or f"cannot write the export ({exc.strerror or exc})",
                          file=str(where)) from None
    if as_json:
        _out(json.dumps(result.as_dict(), indent=2) + "\n")
    else:
        _out(f"{result.path}\n")
        if not quiet:
            sys.stderr.write(f"sha256 {result.sha256}  ({result.path.stat().st_size} bytes, "
                             f"{result.seconds:.1f} s); SBOM {result.sbom}\n")


def _project(project: Path | None, workload: str | None) -> Path | None:
    """--project, checked (a project folder; not together with --workload)."""
    if project is None:
        return None
    from envkit.project.spec import checked_project

    return checked_project(project, workload, None)


def push_cmd(
    ref: Annotated[str, typer.Argument(help="HOST[:PORT]/REPO[:TAG]")],
    file: Annotated[Path | None, typer.Option("--file", help="Push this exported file (.sif or OCI archive).")] = None,
    site: Annotated[str | None, typer.Option("--site", "-s", help="Export this site's image, then push it.")] = None,
    fmt: FormatOpt = "sif",
    workload: WorkloadOpt = None,
    project: ProjectOpt = None,
    engine: EngineOpt = None,
    plain_http: PlainOpt = None,
    store: StoreOpt = None,
    timeout: Annotated[float | None, typer.Option("--timeout", help="Give up after this many seconds (default "
                                                                  "$ENVKIT_REGISTRY_TIMEOUT or 1800; each "
                                                                  "connection: $ENVKIT_REGISTRY_CONNECT_TIMEOUT "
                                                                  "or 10).")] = None,
) -> None:
    """Push a SIF (as an ORAS artifact, SBOM beside it at REF-sbom) or an OCI image to a registry.

    Example: envkit push 127.0.0.1:5000/envkit/local:sif --site local
    """
    import tempfile

    from envkit.errors import EnvkitError
    from envkit.export import oci_registry as registry
    from envkit.export.verify import artifact_kind

    if (file is None) == (site is None):
        raise EnvkitError("give either --file FILE or --site SITE")
    with tempfile.TemporaryDirectory(prefix="envkit-push-") as work:
        if site is not None:
            from envkit.export.artifact import default_name, export_site
            from envkit.pipeline.progress import reporter_for

            opts = build_options(site, engine, store, workload, project=_project(project, workload))
            file = export_site(opts, fmt, Path(work) / default_name("image", fmt), reporter_for(True, False)).path
        assert file is not None
        if not file.is_file():
            raise EnvkitError(f"{file} does not exist")
        if artifact_kind(file) == "sif":
            manifest = registry.push_sif(file, ref, plain_http, registry.Timeouts.from_env(timeout))
            _out(f"pushed {file.name} to {ref} ({manifest['layers'][0]['digest']})\n")
        else:
            registry.push_oci(file, ref, plain_http)
            _out(f"pushed {file.name} to {ref}\n")


def pull_cmd(
    ref: Annotated[str, typer.Argument(help="HOST[:PORT]/REPO[:TAG]")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Write the image here.")],
    fmt: FormatOpt = "sif",
    plain_http: PlainOpt = None,
    timeout: Annotated[float | None, typer.Option("--timeout", help="Give up after this many seconds (default "
                                                                  "$ENVKIT_REGISTRY_TIMEOUT or 1800).")] = None,
) -> None:
    """Pull a SIF (checking its sha256 against the registry's digest) or an OCI image (as an oci-archive).

    Example: envkit pull 127.0.0.1:5000/envkit/local:sif -o local.sif
    """
    from envkit.errors import EnvkitError
    from envkit.export import oci_registry as registry

    if fmt == "sif":
        path = registry.pull_sif(ref, output, plain_http, registry.Timeouts.from_env(timeout))
    elif fmt == "oci":
        path = registry.pull_oci(ref, output, plain_http)
    else:
        raise EnvkitError(f"--format for pull must be sif or oci, got {fmt!r}")
    _out(f"{path}\n")


def verify_artifact_cmd(artifact: Path, as_json: bool) -> None:
    """`envkit verify FILE`: the artifact's structure and its SBOM against what is inside; exit 1 on a failure."""
    from envkit.export.verify import verify_artifact

    report = verify_artifact(artifact)
    if as_json:
        _out(json.dumps(report.as_dict(), indent=2) + "\n")
    else:
        for name, ok, detail in report.checks:
            _out(f"{'ok' if ok else 'FAIL':<5} {name:<16} {detail}\n")
        _out(f"{'ok' if report.ok else 'FAILED'}: {artifact} ({report.kind})\n")
    if not report.ok:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add export, push and pull to the envkit command line."""
    app.command("export")(export_cmd)
    app.command("push")(push_cmd)
    app.command("pull")(pull_cmd)

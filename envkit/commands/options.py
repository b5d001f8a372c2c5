"""Command-line options that several commands share: one definition, one help text each.

Example:
    def build_cmd(site: SiteOpt, engine: EngineOpt = None, store: StoreOpt = None) -> None: ...
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from envkit.pipeline.build import BuildOptions

SiteOpt = Annotated[str, typer.Option("--site", "-s", help="Site profile name or path to a YAML file.")]
OptionalSiteOpt = Annotated[str | None, typer.Option("--site", "-s", help="Site profile name or path to a YAML file.")]
EngineOpt = Annotated[str | None, typer.Option("--engine", help="A container engine of envkit.registry.ENGINES "
                                                                "(apptainer, podman, ...; envkit docs lists them; "
                                                                "default: the profile's container.engine).")]
StoreOpt = Annotated[Path | None, typer.Option("--store", help="Image store (default $ENVKIT_STORE or "
                                                              "~/.local/share/envkit).")]
WorkloadOpt = Annotated[str | None, typer.Option("--workload", help="Also the workload layer for this workload.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]
ResultsOpt = Annotated[Path, typer.Option("--results", help="Folder of run results on this host.")]
ProjectArg = Annotated[str | None, typer.Argument(help="A project folder (default: the site's image).")]
DryRunCommandOpt = Annotated[bool, typer.Option("--dry-run", help="Print the exact command; run nothing.")]


def build_options(site: str, engine: str | None, store: Path | None, workload: str | None,
                  **kw: Any) -> BuildOptions:
    """The build pipeline's options from the shared command-line values (build, inspect, verify, export)."""
    from envkit.pipeline.build import BuildOptions

    return BuildOptions(site=site, engine=engine, store=store, workload=workload, **kw)

"""Command-line options that several commands share: one definition, one help text each.

Example:
    def build_cmd(site: SiteOpt, engine: EngineOpt = None, store: StoreOpt = None) -> None: ...
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

SiteOpt = Annotated[str, typer.Option("--site", "-s", help="Site profile name or path to a YAML file.")]
OptionalSiteOpt = Annotated[str | None, typer.Option("--site", "-s", help="Site profile name or path to a YAML file.")]
EngineOpt = Annotated[str | None, typer.Option("--engine", help="apptainer, singularity or charliecloud "
                                                                "(default: the profile's container.engine).")]
StoreOpt = Annotated[Path | None, typer.Option("--store", help="Image store (default $ENVKIT_STORE or "
                                                              "~/.local/share/envkit).")]
WorkloadOpt = Annotated[str | None, typer.Option("--workload", help="Also the workload layer for this workload.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]

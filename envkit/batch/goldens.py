"""Golden job scripts: containers/<site>/jobs/aigw-<N>n.sh for every shipped site with a scheduler, written
and checked with the recipe goldens (`python -m envkit.recipe.goldens [--check]`).

Paths are fixed (/scratch/envkit/...) and the run id is RUN_ID so the text is the same on every machine.

Example:
    >>> text = golden_script("summit", 4)
    >>> "#BSUB -nnodes 4" in text
    True
"""

from __future__ import annotations

from pathlib import Path

from envkit.batch.jobs import JobOptions, job_script
from envkit.launch.run import RunRequest, compose, container_for
from envkit.profile import list_sites, load_profile
from envkit.resources import containers_dir

ROOT = Path("/scratch/envkit")
NODES = (1, 2, 4)


def golden_script(site: str, nodes: int, workload: str = "aigw") -> str:
    """The job script for `site`, `nodes` nodes, with fixed paths and run id."""
    profile = load_profile(site)
    req = RunRequest(site=site, workload=workload, nodes=nodes, run_id="RUN_ID", results=ROOT / "results")
    argv = compose(profile, req, container_for(profile, workload, store=ROOT / "store"), in_job_script=True)
    return job_script(profile, req, JobOptions(), argv, workdir=ROOT)


def golden_sites() -> list[str]:
    """Shipped sites that have a batch scheduler."""
    return [s for s in list_sites() if load_profile(s).scheduler.kind != "none"]


def golden_path(site: str, nodes: int) -> Path:
    return containers_dir() / site / "jobs" / f"aigw-{nodes}n.sh"


def render_jobs() -> dict[str, str]:
    """Every golden job script by path relative to containers/ (`python -m envkit.recipe.goldens` writes them);
    none when the tree has no aigw workload (a trimmed copy of envkit)."""
    from envkit.recipe.workload_spec import list_workloads

    if "aigw" not in list_workloads():
        return {}
    return {golden_path(site, nodes).relative_to(containers_dir()).as_posix(): golden_script(site, nodes)
            for site in golden_sites() for nodes in NODES if nodes <= load_profile(site).nodes.count}

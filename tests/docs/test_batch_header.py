"""The batch-script header of each scheduler: one table of directives (docs/ops.py)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from envkit.docs.context import doc_context
from envkit.docs.ops import batch_header
from envkit.profile import load_profile

HEADERS = {
    "slurm": "#SBATCH --account=ACCOUNT\n#SBATCH --partition=gpu\n#SBATCH --nodes=2\n#SBATCH --time=04:00:00",
    "lsf": "#BSUB -P PROJECT\n#BSUB -q gpu\n#BSUB -nnodes 2\n#BSUB -W 04:00:00",
    "pbs": "#PBS -A ACCOUNT\n#PBS -q gpu\n#PBS -l select=2\n#PBS -l walltime=04:00:00",
}


@pytest.mark.parametrize("kind", sorted(HEADERS))
def test_each_scheduler_gets_its_directives(kind: str) -> None:
    ctx = doc_context(load_profile("hal"))
    scheduler = ctx.profile.scheduler.model_copy(update={"kind": kind, "account": None, "partition": "gpu",
                                                         "queue": "gpu", "walltime": "04:00:00"})
    ctx = replace(ctx, profile=ctx.profile.model_copy(update={"scheduler": scheduler}))
    assert batch_header(ctx, 2) == HEADERS[kind]
    bare = replace(ctx, profile=ctx.profile.model_copy(update={"scheduler": scheduler.model_copy(
        update={"partition": None, "queue": None, "walltime": None, "account": "abc"})}))
    assert batch_header(bare, 1).splitlines() == [HEADERS[kind].splitlines()[0].replace(
        "ACCOUNT" if kind != "lsf" else "PROJECT", "abc"), HEADERS[kind].splitlines()[2].replace("2", "1")]


def test_no_scheduler_no_header() -> None:
    ctx = doc_context(load_profile("local"))
    assert batch_header(ctx, 1) == ""

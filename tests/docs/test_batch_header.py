"""The help-desk "Batch script header" is the head of what `envkit submit --dry-run` prints for the site.

Both come from the same Scheduler class (envkit/schedulers/) and job template (recipes/jobs/): the page
renders aigw on min(2, nodes) nodes with the run id RUN_ID and the results folder /path/to/results; the real
`envkit submit --dry-run` is run with the same three values.
"""

from __future__ import annotations

import contextlib
import io
import re
import sys
from pathlib import Path

import pytest

from envkit.cli import app
from envkit.launch import shown
from envkit.profile import load_profile
from tests.core.helpers import SHIPPED_SITES

PROFILES = Path(__file__).resolve().parents[1] / "run" / "profiles"
TORCHRUN = Path(__file__).resolve().parents[1] / "batch" / "profiles" / "slurm-torchrun.yaml"
HEADER = re.compile(r"^\*\*Batch script header\*\*.*?\n\n```sh\n(.*?)\n```", re.M | re.S)
# Directive prefixes as each scheduler's manual spells them: sbatch(1), IBM LSF bsub, PBS Pro qsub.
PREFIX = {"slurm": "#SBATCH ", "lsf": "#BSUB ", "pbs": "#PBS "}


def _cli(*args: str) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        try:
            app(list(args), standalone_mode=False)
        except SystemExit as exc:  # pragma: no cover - a failure shows in the assertion below
            assert exc.code in (0, None), (args, exc.code)
    return out.getvalue()


SITES = [s for s in SHIPPED_SITES if load_profile(s).scheduler.kind != "none"]


@pytest.mark.parametrize("site", [*SITES, str(PROFILES / "pbs-polaris.yaml"),
                                  str(PROFILES / "slurm-a100-cuda122.yaml"), str(TORCHRUN)])
def test_docs_header_is_the_head_of_the_submitted_script(site: str, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVKIT_STORE", str(tmp_path / "store"))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", ["envkit"])
    profile = load_profile(site)
    prefix = PREFIX[profile.scheduler.kind]
    found = HEADER.findall(_cli("docs", "--site", site))
    assert len(found) == 1, site
    header = found[0].splitlines()
    nodes = str(min(2, profile.nodes.count))
    script = _cli("submit", "--site", site, "workloads/aigw", "--nodes", nodes, "--dry-run", "--run-id", shown.RUN_ID,
                  "--results", str(shown.RESULTS)).splitlines()
    assert script[:len(header)] == header, site
    assert not script[len(header)].startswith(prefix)  # the page shows every directive, not some
    assert header[0] == "#!/bin/bash" and all(line.startswith(prefix) for line in header[1:])
    assert any(nodes in line for line in header if "nodes" in line or "select=" in line), header


def test_no_scheduler_no_header(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "argv", ["envkit"])
    assert "Batch script header" not in _cli("docs", "--site", "local")

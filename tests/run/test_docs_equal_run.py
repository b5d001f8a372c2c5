"""Every launch line on every shipped site's help-desk page is what `envkit run --dry-run` prints.

The page is rendered by the real `envkit docs`, the run line by the real `envkit run --dry-run`, in the same
folder with the same image store; the only difference allowed is the run id (the page has none: the runner
names the run itself).
"""

from __future__ import annotations

import contextlib
import io
import re
import shlex
import sys
from pathlib import Path

import pytest

from envkit.cli import app
from tests.core.helpers import SHIPPED_SITES

BLOCK = re.compile(r"^\*\*(\w+) on (one \w+|(\d+) node\(s\) x (\d+) \w+)\*\*.*?\n\n```sh\n(.*?)\n```", re.M | re.S)


def _cli(*args: str) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        try:
            app(list(args), standalone_mode=False)
        except SystemExit as exc:  # pragma: no cover - a failure shows in the assertion below
            assert exc.code in (0, None), (args, exc.code)
    return out.getvalue()


def _without_run_id(line: str) -> list[str]:
    argv = shlex.split(line)
    if "--run-id" in argv:
        i = argv.index("--run-id")
        del argv[i:i + 2]
    return argv


PROFILES = Path(__file__).parent / "profiles"


@pytest.mark.parametrize("site", [*SHIPPED_SITES, str(PROFILES / "pbs-polaris.yaml"),
                                  str(PROFILES / "slurm-a100-cuda122.yaml")])
def test_every_docs_launch_line_is_what_run_prints(site: str, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVKIT_STORE", str(tmp_path / "store"))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", ["envkit"])
    page = _cli("docs", "--site", site)
    blocks = BLOCK.findall(page)
    assert len(blocks) >= 6, f"{site}: expected a one-rank and a multi-node line per workload, found {len(blocks)}"
    for workload, _title, nodes, _per_node, line in blocks:
        args = ["run", "--site", site, f"workloads/{workload}", "--dry-run"]
        args += ["--nodes", nodes] if nodes else ["--np", "1"]
        printed = _cli(*args).strip()
        assert "--run-id" in printed
        assert _without_run_id(line) == _without_run_id(printed), (site, workload, nodes)
        if nodes and int(nodes) * int(_per_node) > 1:
            assert "--dist" in shlex.split(line)  # the multi-rank line trains together, not N copies alone

"""Every launch line on every shipped site's help-desk page is what `envkit run --dry-run` prints.

The page is rendered by the real `envkit docs`, the run line by the real `envkit run --dry-run`; the page's
line is expanded by a real shell (its store and results are shell words valid for every user: the user's
$ENVKIT_STORE or envkit's default store, "$PWD"/results) in the folder and environment the dry-run sees. The
only difference allowed is the run id (the page has none: the runner names the run itself).
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from envkit.cli import app
from tests.core.helpers import SHIPPED_SITES

BLOCK = re.compile(r"^\*\*(?:The launch template: )?(\w+) on (one \w+|(\d+) node\(s\) x (\d+) \w+)\*\*.*?\n\n"
                   r"```sh\n(.*?)\n```", re.M | re.S)
ROW = re.compile(r"^\| (\d+) \| (\d+) \| `(.+)` \|$", re.M)   # the node-count table: nodes, ranks, launcher part
OTHERS = re.compile(r"^- The other workloads: (.*)\.$", re.M)


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


def _expanded(line: str, cwd: Path) -> list[str]:
    """The argv a user's shell makes of a page's line, run in `cwd` with this process's environment."""
    assert "$(" not in line and "`" not in line  # words to expand, never commands to run
    proc = subprocess.run(["bash", "-c", f"printf '%s\\0' {line}"], capture_output=True, text=True, cwd=cwd,
                          env={**os.environ, "PWD": str(cwd)}, timeout=30, check=True)
    return proc.stdout.split("\0")[:-1]


PROFILES = Path(__file__).parent / "profiles"


@pytest.mark.parametrize("site", [*SHIPPED_SITES, str(PROFILES / "pbs-polaris.yaml"),
                                  str(PROFILES / "slurm-a100-cuda122.yaml")])
def test_every_docs_launch_line_is_what_run_prints(site: str, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    here = (tmp_path / "my work").resolve()  # a folder with a space: the shown words must keep it one word
    here.mkdir()
    monkeypatch.setenv("ENVKIT_STORE", str(tmp_path / "store"))
    monkeypatch.chdir(here)
    monkeypatch.setattr(sys, "argv", ["envkit"])
    page = _cli("docs", "--site", site)
    blocks = BLOCK.findall(page)
    assert len(blocks) >= 2, f"{site}: expected a one-rank line and the launch template, found {len(blocks)}"
    home = re.compile(re.escape(str(Path.home())) + r"(?![\w.-])")   # /root, not the /rootfs of a quoted error
    assert str(tmp_path) not in page and not home.search(page)  # nothing of this machine's paths
    # The other workloads: the template with the workload's name changed where the note says (image, runner).
    template = next(b for b in blocks if b[2])
    names = [w.split(" (")[0] for w in re.split(r", (?=\w+ \(|\w+$)", OTHERS.search(page).group(1))]  # type: ignore[union-attr]
    assert names
    main = template[0]
    for other in names:
        image = re.sub(rf"(/envkit-[\w.-]*?)-{main}(?=\.sif\b|\s)", rf"\g<1>-{other}", template[4])
        line = image.replace(f"envkit.train {main} ", f"envkit.train {other} ")
        assert line.count(other) >= 2, (site, other)
        blocks.append((other, template[1], template[2], template[3], line))
    for workload, _title, nodes, _per_node, line in blocks:
        args = ["run", "--site", site, f"workloads/{workload}", "--dry-run"]
        args += ["--nodes", nodes] if nodes else ["--np", "1"]
        printed = _cli(*args).strip()
        assert "--run-id" in printed
        assert _without_run_id(shlex.join(_expanded(line, here))) == _without_run_id(printed), (site, workload, nodes)
        if nodes and int(nodes) * int(_per_node) > 1:
            assert "--dist" in shlex.split(line)  # the multi-rank line trains together, not N copies alone
    # Each row of the node-count table is the launcher part of what `envkit run --nodes N --dry-run` prints.
    rows = ROW.findall(page)
    assert rows or "torchrun" in page
    for nodes, _ranks, part in rows:
        printed = _cli("run", "--site", site, f"workloads/{main}", "--dry-run", "--nodes", nodes).strip()
        words = _expanded(part, here)
        assert words and shlex.split(printed)[:len(words)] == words, (site, nodes)
        assert len(words) < len(shlex.split(printed)), (site, nodes)   # the launcher's part, not the whole line


def test_docs_store_words_follow_envkits_default_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without $ENVKIT_STORE the shown store is $XDG_DATA_HOME/envkit (envkit's own default), same page."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", ["envkit"])
    monkeypatch.setenv("ENVKIT_STORE", str(tmp_path / "one"))
    page = _cli("docs", "--site", "hal")
    monkeypatch.delenv("ENVKIT_STORE")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert _cli("docs", "--site", "hal") == page  # the page does not depend on who renders it
    _w, _t, nodes, _p, line = next(b for b in BLOCK.findall(page) if b[0] == "aigw" and b[2])
    printed = _cli("run", "--site", "hal", "workloads/aigw", "--dry-run", "--nodes", nodes).strip()
    assert str(tmp_path / "xdg" / "envkit" / "singularity") in printed
    assert _without_run_id(shlex.join(_expanded(line, tmp_path.resolve()))) == _without_run_id(printed)

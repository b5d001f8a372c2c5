"""The hostile corpus: at least 100 files and 50 argument lists, 0 tracebacks, 0 hangs, every error one line.

The fast tests check the committed corpus matches its table and run every file through `site validate`
in-process; the slow test runs hostile_corpus.py (every file through every command that reads a
profile, each argument list as a real process under 1 GiB and 10 s of CPU) and asserts zero problems.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from envkit_cli import run_inprocess

from .harness import HOSTILE, REPO, ok_outcome

sys.path.insert(0, str(Path(__file__).resolve().parent))
import hostile_corpus  # noqa: E402
import make_hostile  # noqa: E402

# Hostile in form but harmless: they must validate (CRLF ends, prose with ; | & ', an unused %TAG, %YAML 1.3).
VALID = {"crlf", "title-semicolon-ok", "tag-directive", "yaml-12-directive"}
CORE_BAD = sorted((REPO / "tests" / "core" / "bad_profiles").glob("*.yaml"))


def test_the_committed_corpus_is_the_table(tmp_path: Path) -> None:
    written = make_hostile.write_all(tmp_path / "h")
    committed = sorted(HOSTILE.glob("*.yaml"))
    assert [p.name for p in committed] == sorted(p.name for p in written)
    for path in written:
        assert (HOSTILE / path.name).read_bytes() == path.read_bytes(), f"run make_hostile.py: {path.name} differs"


def test_the_corpus_is_big_enough() -> None:
    own = len(make_hostile.CASES)
    assert own >= 100 and own + len(CORE_BAD) >= 150
    assert len(hostile_corpus.ARGS) >= 50


@pytest.mark.parametrize("path", sorted(HOSTILE.glob("*.yaml")), ids=lambda p: p.stem)
def test_each_hostile_file_validates_in_one_line(path: Path) -> None:
    result = run_inprocess("site", "validate", str(path))
    assert not ok_outcome(result.code, result.out, result.err), result.err
    if path.stem in VALID:
        assert result.code == 0, result.err
    else:
        assert result.code == 2 and result.err.count("\n") == 1 and result.err.startswith("error: "), result.err


@pytest.mark.slow
def test_the_whole_corpus_through_every_command() -> None:
    summary = hostile_corpus.main()
    print(summary)
    assert summary["files"] >= 150 and summary["arg_lists"] >= 50
    assert summary["problems"] == [], summary["problems"]
    assert summary["tracebacks"] == summary["internal_errors"] == summary["hangs"] == summary["over_10s"] == 0

"""`envkit explain`: names the issue in each fixture, says so when there is none, names both of two; the site's
fix comes from --site or from the run folder; `envkit results` of a failed run shows the match."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from envkit_cli import run_inprocess

from envkit.knownissues import load_catalog

LOGS = Path(__file__).parent / "logs"
IDS = [i.id for i in load_catalog()]


@pytest.mark.parametrize("issue_id", IDS)
def test_explain_names_the_fixtures_issue(issue_id: str) -> None:
    result = run_inprocess("explain", str(LOGS / f"{issue_id}.log"), "--json")
    assert result.code == 0, result.err
    assert [i["id"] for i in json.loads(result.out)["issues"]] == [issue_id]


def test_explain_says_plainly_when_nothing_is_known(tmp_path: Path) -> None:
    log = tmp_path / "ok.log"
    log.write_text("epoch 1 loss 0.3\nepoch 2 loss 0.2\n")
    result = run_inprocess("explain", str(log))
    assert result.code == 0
    assert result.out.startswith("No known issue found in the log.")


def test_explain_names_both_of_two_in_log_order(tmp_path: Path) -> None:
    log = tmp_path / "two.log"
    log.write_text((LOGS / "nccl-shm-segment.log").read_text() + "step 3\n" +
                   (LOGS / "nccl-unhandled-system-error.log").read_text())
    result = run_inprocess("explain", str(log))
    assert result.out.startswith("2 known issues in the log:")
    assert result.out.index("[nccl-shm-segment]") < result.out.index("[nccl-unhandled-system-error]")


def test_site_fix_from_the_option_and_from_the_run_folder(tmp_path: Path) -> None:
    run = tmp_path / "results" / "aigw-1"
    run.mkdir(parents=True)
    (run / "job.log").write_text((LOGS / "nv-files-missing.log").read_text())
    (run / "job.json").write_text(json.dumps({"site": "hal", "job_id": "1"}))
    from_run = run_inprocess("explain", str(run / "job.log"))
    assert "fixes for site hal" in from_run.out and "fix (site hal): On HAL run inside a GPU allocation" in from_run.out
    assert "charliecloud" not in from_run.out            # only the variants that apply to HAL
    other = run_inprocess("explain", str(run), "--site", "local")
    assert "fixes for site local" in other.out and "fix (engine charliecloud)" in other.out
    assert "site hal" not in other.out


def test_stdin_and_bad_input(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import io
    import sys

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO((LOGS / "slurm-oom-kill.log").read_bytes())))
    assert "[slurm-oom-kill]" in run_inprocess("explain", "-").out
    missing = run_inprocess("explain", str(tmp_path / "nope.log"))
    assert missing.code == 2 and missing.err.count("\n") == 1 and "no such log file" in missing.err
    assert run_inprocess("explain", str(LOGS / "slurm-oom-kill.log"), "--site", "no-such-site").code == 2


def test_results_of_a_failed_run_shows_the_match(tmp_path: Path) -> None:
    run = tmp_path / "aigw-2"
    run.mkdir()
    (run / "job.log").write_text("starting\n" + (LOGS / "libmpi-not-found.log").read_text())
    (run / "job.json").write_text(json.dumps({"site": "hal"}))
    (run / "job-exit-code").write_text("1\n")
    result = run_inprocess("results", "aigw-2", "--results", str(tmp_path))
    assert result.code == 1
    assert "known issue: [libmpi-not-found] libmpi.so not found inside the container" in result.err
    as_json = json.loads(run_inprocess("results", "aigw-2", "--results", str(tmp_path), "--json").out)
    assert as_json["known_issues"] == [{"id": "libmpi-not-found", "title": "libmpi.so not found inside the container"}]

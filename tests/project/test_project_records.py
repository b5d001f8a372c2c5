"""A project's run is recorded and listed like a bundled workload's, without metrics.json: run.json from
`envkit run`, job.json with `project` from `envkit submit`."""

from __future__ import annotations

import json
from pathlib import Path

from envkit_cli import run_inprocess

from envkit.batch.jobs import describe, list_runs, run_state
from envkit.project.record import RunRecord
from envkit.records.job import Job


def _record(run_id: str) -> RunRecord:
    return RunRecord(run_id=run_id, project="demo", project_dir="/p", site="local", engine="charliecloud",
                     image="/s/img", manifest_hash="a" * 16, lock_hash="b" * 16, world_size=2, nodes=1,
                     command=["python", "train.py"], launch=["mpirun"])


def test_a_finished_and_a_failed_project_run_are_listed_with_their_state(tmp_path: Path) -> None:
    for run_id, code in (("ok", 0), ("bad", 3)):
        (tmp_path / run_id).mkdir()
        (tmp_path / run_id / "run.log").write_text(f"line of {run_id}\n")
        _record(run_id).finish(code, tmp_path / run_id, 1.5)
    assert [d.name for d in list_runs(tmp_path)] == ["bad", "ok"]
    assert run_state(tmp_path / "ok") == "COMPLETED" and run_state(tmp_path / "bad") == "FAILED"
    bad = describe(tmp_path / "bad")
    assert bad["log_tail"] == ["line of bad"]
    saved = json.loads((tmp_path / "bad" / "run.json").read_text())
    assert saved["exit_status"] == 3 and saved["status"] == "failed" and saved["world_size"] == 2
    res = run_inprocess("results", "--results", str(tmp_path), "--json")
    assert res.code == 1 and '"state": "COMPLETED"' in res.out and '"state": "FAILED"' in res.out


def test_a_project_job_needs_no_metrics_to_complete(tmp_path: Path) -> None:
    (tmp_path / "job-exit-code").write_text("0\n")
    (tmp_path / "job.json").write_text(json.dumps({"run_id": "j", "project": "/p"}))
    assert run_state(tmp_path, Job.model_validate({"run_id": "j", "project": "/p"})) == "COMPLETED"
    assert run_state(tmp_path, Job.model_validate({"run_id": "j"})) == "FAILED"  # a workload without metrics.json

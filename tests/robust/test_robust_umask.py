"""Files people share are readable: every write takes the mode the user's umask gives a new file.

mkstemp makes 0600 files; before this fix every atomic write (help-desk pages, metrics.json, checkpoints,
generated data, manifests) came out unreadable to a project group or a web server. Each case runs under
umask 022 (0644 files) and 002 (0664 files).
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from envkit_cli import envkit_argv, run_inprocess

from .harness import REPO

UMASKS = [(0o022, 0o644, 0o755), (0o002, 0o664, 0o775)]


@contextmanager
def _umask(mask: int) -> Iterator[None]:
    old = os.umask(mask)
    try:
        yield
    finally:
        os.umask(old)


def _modes(folder: Path) -> dict[str, int]:
    return {str(p.relative_to(folder)): p.stat().st_mode & 0o777 for p in sorted(folder.rglob("*"))}


def _run(args: list[str], mask: int, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*envkit_argv(), *args], cwd=cwd, capture_output=True, text=True, timeout=300,
                          check=False, preexec_fn=lambda: os.umask(mask))


@pytest.mark.parametrize(("mask", "file_mode", "dir_mode"), UMASKS)
def test_atomic_writes_follow_the_umask(tmp_path: Path, mask: int, file_mode: int, dir_mode: int) -> None:
    from envkit.data.atomic import atomic_path, write_json
    from envkit.fsutil import atomic_write_text

    with _umask(mask):
        atomic_write_text(tmp_path / "a" / "page.html", "<p>x</p>")
        write_json(tmp_path / "metrics.json", {"loss": 1.0})
        with atomic_path(tmp_path / "model.pt") as tmp:
            tmp.write_bytes(b"weights")
    assert _modes(tmp_path) == {"a": dir_mode, "a/page.html": file_mode, "metrics.json": file_mode,
                                "model.pt": file_mode}


def test_an_explicit_mode_wins(tmp_path: Path) -> None:
    from envkit.fsutil import atomic_write_text

    atomic_write_text(tmp_path / "secret", "x", mode=0o600)
    assert (tmp_path / "secret").stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize(("mask", "file_mode", "dir_mode"), UMASKS)
def test_docs_all_pages_are_readable(tmp_path: Path, mask: int, file_mode: int, dir_mode: int) -> None:
    with _umask(mask):
        result = run_inprocess("docs", "--all", "--format", "html", "-o", str(tmp_path / "site-docs"))
    assert result.code == 0, result.err
    modes = _modes(tmp_path)
    assert modes.pop("site-docs") == dir_mode
    assert len(modes) >= 8 and set(modes.values()) == {file_mode}, modes


@pytest.mark.slow
@pytest.mark.parametrize(("mask", "file_mode", "dir_mode"), UMASKS)
def test_generated_data_is_readable(tmp_path: Path, mask: int, file_mode: int, dir_mode: int) -> None:
    proc = _run(["data", "aigw", "--n", "20", "--workers", "1", "-o", str(tmp_path / "aigw")], mask, tmp_path)
    assert proc.returncode == 0, proc.stderr
    modes = _modes(tmp_path)
    assert modes.pop("aigw") == dir_mode
    assert set(modes) >= {"aigw/train.h5", "aigw/val.h5", "aigw/test.h5", "aigw/manifest.json"}, modes
    assert set(modes.values()) == {file_mode}, modes


@pytest.mark.slow
def test_a_run_results_folder_is_world_readable(tmp_path: Path) -> None:
    proc = _run(["run", "aigw", "--site", "local", "--native", "--np", "1", "--results", str(tmp_path / "results"),
                 "--run-id", "r1", "--", "--preset", "smoke", "--steps", "2"], 0o022, REPO)
    assert proc.returncode == 0, proc.stderr[-2000:]
    modes = _modes(tmp_path / "results")
    assert "r1/metrics.json" in modes, modes
    for name, mode in modes.items():
        want = 0o755 if (tmp_path / "results" / name).is_dir() else 0o644
        assert mode == want, (name, oct(mode))


def test_job_scripts_and_run_folders_follow_umask_077(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Under umask 077: the job script envkit submit writes (run by the scheduler) 0700, state files 0600.
    sbatch is a stand-in that prints a job id (the real one runs in tests/run/test_batch_real.py)."""
    from envkit.batch.jobs import JobOptions, job_script, submit
    from envkit.launch.claim import claim_run
    from envkit.launch.run import RunRequest
    from envkit.profile import load_profile

    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "sbatch").write_text("#!/bin/sh\necho 4242\n")
    (bin_dir / "sbatch").chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ['PATH']}")
    results = tmp_path / "results"
    profile = load_profile("local-slurm")
    req = RunRequest(site="local-slurm", workload="aigw", run_id="r1", results=results)
    with _umask(0o077):
        record = submit(profile, req, job_script(profile, req, JobOptions(), argv=["srun", "x"]))
        with claim_run(results / "r2", resume=False, replace=False):
            pass
    assert record["job_id"] == "4242"
    modes = _modes(results)
    assert modes["r1/job.sh"] == 0o700 and modes["r1/job.json"] == 0o600, modes
    assert modes["r2"] == 0o700 and modes["r2/.envkit-run.lock"] == 0o600, modes

"""Issue 26's refusals, each through the real command line or the real code path (no mocks except where said):
launcher.args and directives that change what runs, a pickle in a checkpoint, a run naming another model.py,
a changed sha256 in a lock, a registry that never answers, run ids and series that are paths, device outputs,
file modes under umask 077, --time 0."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from envkit_cli import run_envkit, run_inprocess

from .test_robust_refusals import _profile, _refused

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("args", "why"), [
    (["--mpi=pmix", "--prolog=/tmp/x.sh"], "runs a program of its own choosing (--prolog)"),
    (["--export=ALL,LD_PRELOAD=/tmp/evil.so"], "sets environment variables in every rank (--export)"),
    (["--task-epilog", "/tmp/x"], "(--task-epilog)"),
    (["-o/tmp/out"], "(-o)"),
    (["--cpu-bind=cores,LD_PRELOAD=/x"], "assigns LD_PRELOAD"),
])
def test_srun_args_that_change_what_runs_are_refused(tmp_path: Path, args: list[str], why: str) -> None:
    site = _profile(tmp_path, {("launcher", "args"): args})
    _refused(("site", "validate", str(site)), "launcher.args.", why)


def test_mpirun_preload_is_refused(tmp_path: Path) -> None:
    site = tmp_path / "evil.yaml"
    site.write_text("extends: local\nname: evil\nlauncher:\n  kind: mpirun\n  args: [\"--oversubscribe\", "
                    "\"--allow-run-as-root\", \"-x\", \"LD_PRELOAD=/path/evil.so\"]\n"
                    "  source: \"[check]\"\n")
    _refused(("site", "validate", str(site)), "launcher.args.2", "sets environment variables in every rank (-x)")


@pytest.mark.parametrize(("kind", "line", "why"), [
    ("slurm", "--output=/tmp/anywhere", "(--output)"),
    ("slurm", "--export=ALL,LD_PRELOAD=/x", "(--export)"),
    ("lsf", "-E 'touch F'", "pre-execution command (-E)"),
    ("lsf", "-Ep /tmp/post", "post-execution command (-Ep)"),
    ("pbs", "-v LD_PRELOAD=/x", "(-v)"),
])
def test_directives_that_change_what_runs_are_refused(tmp_path: Path, kind: str, line: str, why: str) -> None:
    from envkit.profile.safety import directive_problem

    assert why in (directive_problem(kind, line) or "")
    if kind == "slurm":
        site = _profile(tmp_path, {("scheduler", "directives"): [line]})
        _refused(("site", "validate", str(site)), "scheduler.directives.0", why)


def test_plain_directives_and_args_pass(tmp_path: Path) -> None:
    from envkit.profile.safety import directive_problem, launcher_arg_problem

    assert directive_problem("pbs", "-l filesystems=home:eagle") is None
    assert directive_problem("slurm", "--constraint=gpu") is None
    assert launcher_arg_problem("jsrun", "--smpiargs=-gpu") is None
    assert launcher_arg_problem("jsrun", "--smpiargs=-x LD_PRELOAD=/e.so") is not None
    site = _profile(tmp_path, {("scheduler", "directives"): ["--constraint=gpu"]})
    assert run_inprocess("site", "validate", str(site)).code == 0


def test_commas_in_env_values_for_srun_are_refused(tmp_path: Path) -> None:
    site = _profile(tmp_path, {("defaults", "env"): {"OMP_NUM_THREADS": "1,LD_PRELOAD=/x,BASH_ENV=/y"}})
    _refused(("site", "validate", str(site)), "defaults.env.OMP_NUM_THREADS", "holds ','")


class _Payload:
    def __reduce__(self):  # noqa: ANN204 - the classic pickle payload
        return (os.system, (f"touch {os.environ['ENVKIT_PAYLOAD_MARK']}",))


def test_a_checkpoint_with_a_pickle_payload_is_refused_and_does_not_run(tmp_path: Path) -> None:
    import torch

    from envkit.train.checkpoint import CheckpointError, load

    mark = tmp_path / "payload-ran"
    os.environ["ENVKIT_PAYLOAD_MARK"] = str(mark)
    path = tmp_path / "checkpoint.pt"
    torch.save({"step": 1, "model": {}, "evil": _Payload()}, path)
    with pytest.raises(CheckpointError, match="refused: it holds more than tensors") as info:
        load(path)
    assert "\n" not in str(info.value)
    assert not mark.exists()


def test_resume_refuses_a_payload_checkpoint_in_one_line(tmp_path: Path) -> None:
    """The real runner, --resume from a results folder holding a payload checkpoint."""
    import torch

    mark = tmp_path / "payload-ran"
    os.environ["ENVKIT_PAYLOAD_MARK"] = str(mark)
    run_dir = tmp_path / "results" / "r1"
    run_dir.mkdir(parents=True)
    torch.save({"step": 1, "evil": _Payload()}, run_dir / "checkpoint.pt")
    proc = subprocess.run([sys.executable, "-m", "envkit.train", "aigw", "--preset", "smoke", "--steps", "2",
                           "--results", str(tmp_path / "results"), "--run-id", "r1", "--resume", "--device", "cpu"],
                          capture_output=True, text=True, timeout=600, env={**os.environ, "PYTHONPATH": str(REPO)},
                          check=False)
    assert proc.returncode == 2, proc.stderr[-2000:]
    errors = [line for line in proc.stderr.splitlines() if "refused" in line]
    assert len(errors) == 1 and "weights_only=True" in errors[0], proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    assert not mark.exists()


def test_evaluate_never_imports_the_model_py_a_run_names(tmp_path: Path) -> None:
    mark = tmp_path / "imported"
    evil = tmp_path / "evil"
    evil.mkdir()
    (evil / "workload.yaml").write_text("name: aigw\n")
    (evil / "model.py").write_text(f"open({str(mark)!r}, 'w').close()\n")
    run = tmp_path / "run"
    run.mkdir()
    (run / "metrics.json").write_text(json.dumps({"status": "finished", "run_id": "run", "workload": "x;touch y",
                                                  "world_size": 1, "workload_path": str(evil)}))
    (run / "model_final.pt").write_bytes(b"")
    result = run_inprocess("evaluate", str(run))
    assert result.code == 2 and "is not a workload name" in result.err, result.err
    (run / "metrics.json").write_text(json.dumps({"status": "finished", "run_id": "run", "workload": "nosuch",
                                                  "world_size": 1, "workload_path": str(evil)}))
    result = run_inprocess("evaluate", str(run))
    assert result.code == 2 and "not one envkit knows" in result.err, result.err
    assert not mark.exists()


def test_a_changed_sha256_fails_lock_check_and_shows_in_diff(tmp_path: Path) -> None:
    home = tmp_path / "home"
    shutil.copytree(REPO / "containers" / "local", home / "containers" / "local")
    pylock = home / "containers" / "local" / "locks" / "pylock.workload-aigw.toml"
    text = pylock.read_text()
    old = re.search(r'sha256 = "([0-9a-f]{64})"', text).group(1)  # type: ignore[union-attr]
    pylock.write_text(text.replace(old, "0" * 64, 1))
    env = {"ENVKIT_HOME": str(home)}
    check = run_envkit("lock", "--site", "local", "--check", env=env)
    assert check.code == 1 and "sha256 in pylock.workload-aigw.toml differs" in check.out, (check.out, check.err)
    diff = run_inprocess("diff", str(REPO / "containers/local/locks/pylock.workload-aigw.toml"), str(pylock))
    assert diff.code == 1 and "python sha256" in diff.out and "1 changed" in diff.out, diff.out


def _blackhole() -> tuple[socket.socket, int]:
    """A port that accepts connections (the kernel's backlog) and never answers."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(16)
    return s, s.getsockname()[1]


def test_pull_from_a_registry_that_never_answers_ends_within_the_timeout(tmp_path: Path) -> None:
    sock, port = _blackhole()
    try:
        t0 = time.monotonic()
        result = run_inprocess("pull", f"127.0.0.1:{port}/envkit/x:sif", "-o", str(tmp_path / "x.sif"),
                               "--timeout", "3")
        took = time.monotonic() - t0
    finally:
        sock.close()
    assert took < 15, took
    assert result.code != 0 and result.err.count("\n") == 1 and "no answer within 3 s" in result.err, result.err
    assert f"127.0.0.1:{port}" in result.err


def test_push_to_a_registry_that_never_answers_ends_within_the_timeout(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """The SIF check before the push is faked (building a SIF takes minutes: the slow export tests push real
    ones); the push itself runs against a real socket that never answers."""
    from envkit.export import verify

    sock, port = _blackhole()
    sif = tmp_path / "x.sif"
    sif.write_bytes(b"SIF_MAGIC" + b"\0" * 64)
    monkeypatch.setattr(verify, "verify_artifact", lambda p: verify.ArtifactReport(str(p), "sif"))
    monkeypatch.setattr(verify, "artifact_kind", lambda p: "sif")
    try:
        t0 = time.monotonic()
        result = run_inprocess("push", f"127.0.0.1:{port}/envkit/x:sif", "--file", str(sif), "--timeout", "3")
        took = time.monotonic() - t0
    finally:
        sock.close()
    assert took < 15, took
    assert result.code != 0 and "no answer within 3 s" in result.err and result.err.count("\n") == 1, result.err


def test_push_refuses_a_sif_that_fails_verification(tmp_path: Path) -> None:
    sif = tmp_path / "x.sif"
    sif.write_bytes(b"not a sif")
    result = run_inprocess("push", "127.0.0.1:9/envkit/x:sif", "--file", str(sif), "--format", "sif")
    assert result.code != 0 and result.err.count("\n") == 1, result.err


@pytest.mark.parametrize("args", [
    ("submit", "--site", "local-slurm", "aigw", "--dry-run", "--run-id", "../x"),
    ("submit", "--site", "local-slurm", "aigw", "--dry-run", "--run-id", "/tmp/abs"),
    ("scale", "--site", "local", "aigw", "--series", "../x"),
    ("scale", "--site", "local", "aigw", "--series", "x;touch F;#"),
    ("pull", "127.0.0.1:9/envkit/x:sif", "-o", "/dev/null"),
    ("plot", "results/none", "-o", "/dev/null.png"),
    ("submit", "--site", "local-slurm", "aigw", "--dry-run", "--time", "0"),
    ("submit", "--site", "local-slurm", "aigw", "--dry-run", "--time", "00:00:00"),
    ("submit", "--site", "local-slurm", "aigw", "--dry-run", "--time", "1:2:3:4"),
    ("predict", "--site", "hal", "aigw", "--throughput", "inf"),
    ("predict", "--site", "hal", "aigw", "--throughput", "0"),
    ("predict", "--site", "hal", "aigw", "--overlap", "5"),
    ("predict", "--site", "hal", "aigw", "--overlap", "-1"),
    ("predict", "--site", "hal", "aigw", "--batch", "0"),
    ("results", "--results", "no-such-folder"),
    ("jobs", "--results", "no-such-folder"),
])
def test_paths_devices_and_values_are_refused_in_one_line(tmp_path: Path, args: tuple[str, ...]) -> None:
    os.chdir(tmp_path)
    result = run_inprocess(*args)
    assert result.code == 2, (result.code, result.out, result.err)
    assert result.err.count("\n") == 1 and result.err.startswith("error: "), result.err
    assert not (tmp_path.parent / "x").exists()


def test_outputs_refuse_device_files() -> None:
    from envkit.errors import EnvkitError
    from envkit.fsutil import check_output

    with pytest.raises(EnvkitError, match="device or special file"):
        check_output("/dev/null")
    with pytest.raises(EnvkitError, match="is a folder"):
        check_output("/tmp")


def test_log_tails_show_escapes_as_text(tmp_path: Path) -> None:
    from envkit.batch.jobs import LOG, describe

    run = tmp_path / "r1"
    run.mkdir()
    (run / LOG).write_text("ok\n\x1b]0;owned\x07\x1b[2Jcleared\n")
    (run / "job-exit-code").write_text("1\n")
    info = describe(run)
    assert info["state"] == "FAILED"
    assert all("\x1b" not in line and "\x07" not in line for line in info["log_tail"])
    assert "\\x1b[2Jcleared" in info["log_tail"][-1]


def test_a_second_run_with_the_same_run_id_is_refused_while_the_first_runs(tmp_path: Path) -> None:
    """The first run's claim is held by a real second process; `envkit run` with the same id is refused."""
    results = tmp_path / "results"
    holder = subprocess.Popen([sys.executable, "-c", "import sys, time, pathlib\n"
                               "from envkit.launch.claim import claim_run\n"
                               f"with claim_run(pathlib.Path({str(results / 'same')!r}), False, False):\n"
                               "    print('held', flush=True); time.sleep(60)\n"],
                              stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(REPO)})
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        result = run_inprocess("run", "--site", "local", "aigw", "--native", "--np", "1", "--results", str(results),
                               "--run-id", "same", "--", "--steps", "1")
        assert result.code == 2 and "in use by another envkit run" in result.err, result.err
        assert result.err.count("\n") == 1
        assert not (results / "same" / "metrics.json").exists()
    finally:
        holder.kill()
        holder.wait()


def test_a_finished_run_id_is_refused_unless_resumed_or_replaced(tmp_path: Path) -> None:
    from envkit.errors import EnvkitError
    from envkit.launch.claim import claim_run

    run = tmp_path / "results" / "done"
    run.mkdir(parents=True)
    (run / "metrics.json").write_text("{}")
    result = run_inprocess("run", "--site", "local", "aigw", "--native", "--np", "1", "--results",
                           str(tmp_path / "results"), "--run-id", "done")
    assert result.code == 2 and "already has results" in result.err, result.err
    with claim_run(run, resume=True, replace=False):
        pass
    with claim_run(run, resume=False, replace=True):
        pass
    with pytest.raises(EnvkitError, match="already has results"), claim_run(run, resume=False, replace=False):
        pass


def test_a_read_only_results_folder_is_refused_before_training(tmp_path: Path) -> None:
    from envkit.errors import EnvkitError
    from envkit.launch.claim import claim_run

    results = tmp_path / "ro"
    results.mkdir()
    (results / "r1").mkdir()
    (results / "r1").chmod(0o555)
    try:
        if os.geteuid() == 0:   # root writes anywhere: the access check still must not crash
            with claim_run(results / "r1", False, False):
                pass
        else:
            with pytest.raises(EnvkitError, match="cannot write|read-only"), claim_run(results / "r1", False, False):
                pass
    finally:
        (results / "r1").chmod(0o755)


def test_markdown_pages_escape_html_like_the_html_pages(tmp_path: Path) -> None:
    site = _profile(tmp_path, {("title",): "Evil <script>alert(1)</script> & <img src=x onerror=alert(2)>"})
    result = run_inprocess("docs", "--site", str(site))
    assert result.code == 0, result.err
    assert "<script" not in result.out and "<img" not in result.out, result.out[:400]
    assert "&lt;script>alert(1)&lt;/script> & &lt;img" in result.out

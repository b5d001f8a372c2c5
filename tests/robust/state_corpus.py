"""Damaged state files through every command that reads them: metrics.json, job.json, envkit-lock.json,
pylock.toml and image manifests. Each case is written into a scratch results folder (or lock home), then
each command that reads that kind of file runs in-process; the verdict of each run is one of

* clean: exit 0, 1 or 2, at most one error line, no traceback, no `internal error`, within 60 s;
* traceback, internal-error (exit 70), hang, payload (a planted model.py or pickle ran), noisy (>1 line).

`python tests/robust/state_corpus.py` prints the counts per command and verdict (the closing note's table).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests"))

from envkit_cli import run_inprocess  # noqa: E402

GOOD_METRICS: dict[str, Any] = {
    "schema_version": 1, "status": "finished", "run_id": "r1", "workload": "aigw", "preset": "smoke",
    "site": "local", "engine": "none", "world_size": 2, "batch_per_device": 8, "global_batch": 16,
    "steps": 20, "steps_per_epoch": 10, "seed": 0, "data": "synthetic",
    "throughput": {"unit": "samples/s", "per_device": {"mean": 10.0, "ci95": 1.0},
                   "total": {"mean": 20.0, "ci95": 2.0}},
    "time_per_epoch_s": [1.0, 1.0], "epochs": [{"epoch": 0, "steps": 10, "train_loss": 1.0, "lr": 0.1}],
    "summary": {"workload": "aigw", "site": "local", "engine": "none", "world_size": 2, "throughput": 20.0,
                "throughput_unit": "samples/s", "loss_start": 2.0, "loss_end": 1.0, "results_dir": "r"},
}
GOOD_JOB = {"job_id": "1234", "scheduler": "slurm", "site": "local-slurm", "workload": "aigw", "run_id": "r1",
            "nodes": 1}


def _with(base: dict[str, Any], **change: Any) -> str:
    data = json.loads(json.dumps(base))
    for key, value in change.items():
        node = data
        parts = key.split("__")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return json.dumps(data)


def _deep(n: int) -> str:
    return "[" * n + "]" * n


# name -> file content (str or bytes); "FIFO"/"DIR"/"DEVZERO"/"HUGE" are special
METRICS_CASES: dict[str, Any] = {
    "empty": "", "truncated": json.dumps(GOOD_METRICS)[:120], "array": "[1, 2]", "string": '"x"',
    "null": "null", "number": "3", "binary": b"\x00\xff\xfe" * 50, "latin1": "{\"status\": \"\xe9\"}".encode("latin-1"),
    "nan": json.dumps(GOOD_METRICS).replace("20.0", "NaN"), "infinity": _with(GOOD_METRICS).replace("20.0", "Infinity"),
    "huge-number": json.dumps(GOOD_METRICS).replace('"world_size": 2', '"world_size": 1e400'),
    "huge-int": json.dumps(GOOD_METRICS).replace('"world_size": 2', '"world_size": ' + "9" * 5000),
    "string-world-size": _with(GOOD_METRICS, world_size="two"), "zero-world-size": _with(GOOD_METRICS, world_size=0),
    "negative-throughput": _with(GOOD_METRICS, throughput__total__mean=-5.0),
    "zero-throughput": _with(GOOD_METRICS, throughput__total__mean=0.0),
    "null-throughput": _with(GOOD_METRICS, throughput=None), "throughput-list": _with(GOOD_METRICS, throughput=[1]),
    "negative-epoch-time": _with(GOOD_METRICS, time_per_epoch_s=[-1.0]),
    "epochs-not-list": _with(GOOD_METRICS, epochs={"a": 1}), "epoch-strings": _with(GOOD_METRICS, epochs=["x"]),
    "summary-string": _with(GOOD_METRICS, summary="x"), "no-status": json.dumps({"workload": "aigw"}),
    "status-running": _with(GOOD_METRICS, status="running"), "schema-99": _with(GOOD_METRICS, schema_version=99),
    "deep": '{"status": "finished", "x": ' + _deep(5000) + "}",
    "long-string": _with(GOOD_METRICS, site="x" * 100_000),
    "escape-in-site": _with(GOOD_METRICS, site="\x1b]0;owned\x07\x1b[2J"),
    "workload-path-payload": "PAYLOAD-MODEL", "workload-traversal": _with(GOOD_METRICS, workload="../../evil"),
    "workload-shell": _with(GOOD_METRICS, workload="x;touch F"), "hyperparameters-list": _with(GOOD_METRICS,
                                                                                              hyperparameters=[1]),
    "batch-zero": _with(GOOD_METRICS, batch_per_device=0), "seed-negative": _with(GOOD_METRICS, seed=-1),
    "manifest-hash-list": _with(GOOD_METRICS, manifest_hash=["a"]), "dup-keys": '{"status": 1, "status": 2}',
    "bom": "\ufeff" + json.dumps(GOOD_METRICS), "fifo": "FIFO", "folder": "DIR", "dev-zero": "DEVZERO",
    "huge-file": "HUGE", "good": json.dumps(GOOD_METRICS),
}
JOB_CASES: dict[str, Any] = {
    "empty": "", "array": "[]", "job-id-option": _with(GOOD_JOB, job_id="--help"),
    "job-id-int": _with(GOOD_JOB, job_id=12), "job-id-newline": _with(GOOD_JOB, job_id="1\n2"),
    "scheduler-unknown": _with(GOOD_JOB, scheduler="evil"), "scheduler-path": _with(GOOD_JOB, scheduler="../x"),
    "nodes-negative": _with(GOOD_JOB, nodes=-1), "binary": b"\xff" * 10, "deep": _deep(3000), "fifo": "FIFO",
    "folder": "DIR", "dev-zero": "DEVZERO", "good-no-scheduler-tool": json.dumps(GOOD_JOB),
}
LOCK_CASES: dict[str, Any] = {
    "empty": "", "array": "[]", "layers-list": json.dumps({"layers": []}),
    "layer-string": json.dumps({"layers": {"base": "x"}}),
    "pylock-traversal": json.dumps({"layers": {"base": {"pylock": "../../../etc/passwd"}}}),
    "pylock-absolute": json.dumps({"layers": {"base": {"pylock": "/etc/passwd"}}}),
    "pylock-missing": json.dumps({"layers": {"base": {"pylock": "pylock.nosuch.toml"}}}),
    "apt-list": json.dumps({"layers": {"base": {"apt": ["x"]}}}), "resolved-string": json.dumps(
        {"layers": {"base": {"resolved": "maybe"}}}), "binary": b"\x00" * 20, "fifo": "FIFO", "dev-zero": "DEVZERO",
    "pylock-garbage": "PYLOCK:[[[", "pylock-packages-string": "PYLOCK:packages = \"x\"",
    "pylock-bad-hash": "PYLOCK:[[packages]]\nname = \"a\"\nversion = \"1\"\n[[packages.wheels]]\nhashes = "
                       "{sha256 = \"zz\"}\n",
    "pylock-no-version": "PYLOCK:[[packages]]\nname = \"a\"\n",
}
MANIFEST_CASES: dict[str, Any] = {
    "empty": "", "array": "[]", "pip-list": json.dumps({"pip": ["numpy"]}),
    "pip-values-dict": json.dumps({"pip": {"numpy": {"v": 1}}}), "dpkg-string": json.dumps({"pip": {}, "dpkg": "x"}),
    "hash-unknown": json.dumps({"manifest_hash": "0" * 16}), "nothing": json.dumps({"a": 1}), "fifo": "FIFO",
    "dev-zero": "DEVZERO", "binary": b"\xff\xfe", "good": json.dumps({"tag": "t", "pip": {"numpy": "1"}, "dpkg": {}}),
}


class Hang(BaseException):
    pass


@contextlib.contextmanager
def _limit(seconds: int) -> Iterator[None]:
    def _raise(_s: int, _f: Any) -> None:
        raise Hang

    old = signal.signal(signal.SIGALRM, _raise)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def verdict(args: tuple[str, ...], mark: Path, seconds: int = 60) -> tuple[str, str]:
    """Run one command in-process: (verdict, its error text)."""
    env = {}
    while args and "=" in args[0] and args[0].split("=")[0].isupper():
        key, value = args[0].split("=", 1)
        env[key] = value
        args = args[1:]
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        with _limit(seconds):
            result = run_inprocess(*args)
    except Hang:
        return "hang", ""
    finally:
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old
    err = result.err
    if mark.exists():
        return "payload", err
    if "Traceback" in err:
        return "traceback", err
    if result.code == 70 or "internal error" in err:
        return "internal-error", err
    if result.code not in (0, 1, 2):
        return f"exit-{result.code}", err
    if len([line for line in err.splitlines() if line.startswith("error")]) > 1:
        return "noisy", err
    return "clean", err


def _place(path: Path, content: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if content == "FIFO":
        os.mkfifo(path)
    elif content == "DIR":
        path.mkdir()
    elif content == "DEVZERO":
        path.symlink_to("/dev/zero")
    elif content == "HUGE":
        with open(path, "wb") as fh:
            fh.truncate(40 * 1024 * 1024)
    elif isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8", errors="surrogateescape")


def _payload_workload(scratch: Path, mark: Path) -> Path:
    evil = scratch / "evil-workload"
    evil.mkdir(parents=True, exist_ok=True)
    (evil / "workload.yaml").write_text("name: aigw\n")
    (evil / "model.py").write_text(f"open({str(mark)!r}, 'w').close()\n")
    return evil


def metrics_commands(results: Path, run: Path, scratch: Path) -> dict[str, tuple[str, ...]]:
    return {
        "results": ("results", "--results", str(results)),
        "jobs": ("jobs", "--results", str(results)),
        "plot": ("plot", str(run), "-o", str(scratch / "out.png")),
        "predict": ("predict", "--site", "hal", "aigw", "--metrics", str(run), "--gpus", "1,2"),
        "evaluate": ("evaluate", str(run)),
        "diff": ("diff", str(REPO / "containers/local/locks/pylock.workload-aigw.toml"), str(run), "--store",
                 str(scratch / "store")),
    }


def run_all(only: str | None = None) -> dict[str, Any]:
    """Every case through every command that reads it; returns {counts, problems}."""
    counts: Counter[tuple[str, str]] = Counter()
    problems: list[str] = []
    with tempfile.TemporaryDirectory(prefix="envkit-state-corpus-") as tmp:
        scratch = Path(tmp)
        mark = scratch / "PAYLOAD-RAN"
        os.environ["ENVKIT_PAYLOAD_MARK"] = str(mark)
        cwd = os.getcwd()
        os.chdir(scratch)
        try:
            for kind, cases in (("metrics.json", METRICS_CASES), ("job.json", JOB_CASES),
                                ("envkit-lock.json", LOCK_CASES), ("manifest", MANIFEST_CASES)):
                if only and only != kind:
                    continue
                for name, content in cases.items():
                    case_dir = scratch / kind / name
                    for cmd, args in _commands(kind, name, content, case_dir, mark).items():
                        v, err = verdict(args, mark)
                        counts[(f"{cmd} ({kind})", v)] += 1
                        if v != "clean":
                            problems.append(f"{kind} {name} | {cmd}: {v}: {err.strip()[-300:]}")
                        mark.unlink(missing_ok=True)
        finally:
            os.chdir(cwd)
    return {"counts": counts, "problems": problems}


def _commands(kind: str, name: str, content: Any, case_dir: Path, mark: Path) -> dict[str, tuple[str, ...]]:
    results = case_dir / "results"
    run = results / "r1"
    if kind == "metrics.json":
        if content == "PAYLOAD-MODEL":
            content = _with(GOOD_METRICS, workload_path=str(_payload_workload(case_dir, mark)))
        _place(run / "metrics.json", content)
        (run / "model_final.pt").write_bytes(b"")
        return metrics_commands(results, run, case_dir)
    if kind == "job.json":
        _place(run / "job.json", content)
        return {"results": ("results", "--results", str(results)), "jobs": ("jobs", "--results", str(results))}
    if kind == "envkit-lock.json":
        home = case_dir / "home"
        locks = home / "containers" / "local" / "locks"
        shutil.copytree(REPO / "containers" / "local" / "locks", locks)
        if isinstance(content, str) and content.startswith("PYLOCK:"):
            (locks / "pylock.workload-aigw.toml").write_text(content[len("PYLOCK:"):])
        else:
            (locks / "envkit-lock.json").unlink()
            _place(locks / "envkit-lock.json", content)
        return {"lock --check": (f"ENVKIT_HOME={home}", "lock", "--site", "local", "--check"),
                "diff (lock folders)": ("diff", str(locks), str(REPO / "containers/local/locks")),
                "diff (pylock)": ("diff", str(locks / "pylock.workload-aigw.toml"),
                                  str(REPO / "containers/local/locks/pylock.workload-aigw.toml"))}
    _place(case_dir / "m.manifest.json", content)
    return {"diff (manifest)": ("diff", str(case_dir / "m.manifest.json"),
                                str(REPO / "containers/local/locks/pylock.workload-aigw.toml"), "--store",
                                str(case_dir / "store"))}


def table(counts: Counter[tuple[str, str]]) -> str:
    """Counts per command and verdict, one line each."""
    return "\n".join(f"{cmd:<34} {v:<16} {n}" for (cmd, v), n in sorted(counts.items()))


if __name__ == "__main__":
    out = run_all(sys.argv[1] if len(sys.argv) > 1 else None)
    print(table(out["counts"]))
    print(f"{len(out['problems'])} problem(s)")
    for p in out["problems"]:
        print(" ", p)

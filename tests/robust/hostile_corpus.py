"""Run the hostile corpus through every command that reads a profile, and hostile argument lists
through the CLI; print the numbers (tracebacks, internal errors, hangs, time, memory).

Files: tests/robust/hostile (the table in make_hostile.py, big ones included), tests/core/bad_profiles,
and files made here that git cannot hold (a FIFO, a 5 GB sparse file, /proc and /dev entries, symlink
loops, a dangling link, a folder named like a profile). Each file goes through:

    site validate F | site show F --json | render --site F --layer site | render --site F --layer base
    --format docker | docs --site F --format html | build --site F --dry-run | run aigw --site F --native
    --dry-run | a child that `extends:` F by name | `envkit sites` and `docs --all` with F's folder on
    ENVKIT_PROFILE_PATH

One worker process per file (under 1 GiB of address space) runs those commands in-process; each may
use 10 s of CPU and is counted hung after 60 s of wall time (a SIGALRM; blocking reads such as a
FIFO use no CPU, so the wall clock catches them; the CPU limit is the fair "10 s" on a loaded shared
machine). Argument lists run one real `envkit` process each, under 1 GiB, RLIMIT_CPU 10 s and 60 s.

Example:
    $ .venv/bin/python tests/robust/hostile_corpus.py
    files 178, commands per file 10, runs 1780: tracebacks 0, internal errors 0, hangs 0, ...
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
TIME_LIMIT_S = 10  # CPU seconds a command may use (RLIMIT_CPU for argument lists, measured for files)
HANG_S = 60  # wall seconds before a command counts as hung: a shared, loaded machine stretches wall time
MEMORY_LIMIT = 1 << 30

COMMANDS: dict[str, list[str]] = {
    "validate": ["site", "validate", "{F}"],
    "show": ["site", "show", "{F}", "--json"],
    "render-site": ["render", "--site", "{F}", "--layer", "site"],
    "render-base-docker": ["render", "--site", "{F}", "--layer", "base", "--format", "docker"],
    "docs": ["docs", "--site", "{F}", "--format", "html"],
    "build-dry-run": ["build", "--site", "{F}", "--dry-run"],
    "run-dry-run": ["run", "aigw", "--site", "{F}", "--native", "--dry-run"],
    "extends": ["site", "validate", "{CHILD}"],
    "sites": ["sites"],
    "docs-all": ["docs", "--all"],
}

# Argument lists a careless or hostile user could type (run from a scratch folder, ENVKIT_HOME a copy).
ARGS: list[list[str]] = [
    ["run", "aigw", "--results", "/", "--native", "--dry-run"],
    ["run", "aigw", "--results", "/etc", "--native", "--dry-run"],
    ["run", "aigw", "--results", "/usr/share/x", "--native", "--dry-run"],
    ["run", "aigw", "--results", "/proc/self", "--native", "--dry-run"],
    ["run", "aigw", "--run-id", "../../x", "--native", "--dry-run"],
    ["run", "aigw", "--run-id", "/abs", "--native", "--dry-run"],
    ["run", "aigw", "--run-id", "a" * 300, "--native", "--dry-run"],
    ["run", "aigw", "--run-id", "x\ny", "--native", "--dry-run"],
    ["run", "aigw", "--run-id", "", "--native", "--dry-run"],
    ["run", "/nonexistent/elsewhere/aigw", "--native", "--dry-run"],
    ["run", "a" * 300, "--native", "--dry-run"],
    ["run", "../../../etc", "--native", "--dry-run"],
    ["run", "aigw", "--nodes", "100000", "--native", "--dry-run"],
    ["run", "aigw", "--site", "summit", "--nodes", "100000", "--dry-run"],
    ["run", "aigw", "--np", "0", "--native", "--dry-run"],
    ["run", "aigw", "--np", "-5", "--native", "--dry-run"],
    ["run", "aigw", "--np", "99999999999999999999999", "--native", "--dry-run"],
    ["run", "aigw", "--nodes", "0", "--native", "--dry-run"],
    ["run", "aigw", "--launcher", "rm", "--native", "--dry-run"],
    ["run", "aigw", "--engine", "$(id)", "--dry-run"],
    ["run", "aigw", "--site", "a" * 300, "--native", "--dry-run"],
    ["run", "aigw", "--site", "../../etc/passwd", "--native", "--dry-run"],
    ["run", "aigw", "--site", "/etc/passwd", "--native", "--dry-run"],
    ["run", "aigw", "--site", "/proc/self/environ", "--native", "--dry-run"],
    ["run", "aigw", "--site", "/dev/zero", "--native", "--dry-run"],
    ["run", "aigw", "--store", "/proc/x", "--dry-run"],
    ["render", "--site", "local", "-o", "/proc/x"],
    ["render", "--site", "local", "-o", "."],
    ["render", "--site", "local", "-o", "/nonexistent/dir/x.def"],
    ["render", "--site", "local", "-o", "x" * 300],
    ["render", "--site", "a" * 300],
    ["render", "--site", "local", "--layer", "workload", "--workload", "a" * 300],
    ["render", "--site", "local", "--layer", "workload", "--workload", "../../etc"],
    ["render", "--site", "local", "--layer", "$(id)"],
    ["render", "--site", "local", "--format", "x" * 1000],
    ["render", "--site", "local", "--layer", "workload"],
    ["docs", "--site", "local", "-o", "/proc/x"],
    ["docs", "--all", "-o", "/proc/x"],
    ["docs", "--all", "-o", "/dev/null"],
    ["docs", "--site", "local", "-o", "x" * 300],
    ["docs", "--site", "local", "--all"],
    ["docs"],
    ["docs", "--site", "local", "--format", "pdf"],
    ["site", "show", "a" * 300],
    ["site", "show", "../../etc/passwd"],
    ["site", "show", "-"],
    ["site", "validate", "/proc/self/environ", "/dev/zero", "/", "nonexistent.yaml", "x" * 300],
    ["site", "validate"],
    ["base", "clone", "name\n"],
    ["base", "clone", "../../evil"],
    ["base", "clone", "a" * 300],
    ["base", "clone", "ok-name", "--from", "a" * 300],
    ["base", "clone", "ok-name2", "--from", "../../etc/passwd"],
    ["base", "clone", "envkit-base"],
    ["build", "--site", "local", "--layer", "nonsense", "--dry-run"],
    ["build", "--site", "local", "--workload", "a" * 300, "--dry-run"],
    ["build", "--site", "local", "--jobs", "0", "--dry-run"],
    ["build", "--site", "local", "--store", "/proc/x", "--dry-run"],
    ["build", "--site", "local", "--engine", "docker", "--dry-run"],
    ["inspect", "--site", "a" * 300],
    ["nonexistent-command"],
    ["--definitely-not-an-option"],
    ["render", "--site"],
    ["sites", "extra"],
]


def _worker(path: str, child: str, folder: str) -> None:  # pragma: no cover - runs in a subprocess
    """Run every command on one file in this process; print one JSON line per command."""
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    import io
    from contextlib import redirect_stderr, redirect_stdout

    from envkit.cli import main

    class Hang(BaseException):
        pass

    def alarm(_signum: int, _frame: Any) -> None:
        raise Hang()

    signal.signal(signal.SIGALRM, alarm)
    for name, template in COMMANDS.items():
        args = [a.replace("{F}", path).replace("{CHILD}", child) for a in template]
        if name in ("extends", "sites", "docs-all"):
            os.environ["ENVKIT_PROFILE_PATH"] = folder
        else:
            os.environ.pop("ENVKIT_PROFILE_PATH", None)
        out, err = io.StringIO(), io.StringIO()
        sys.argv = ["envkit", *args]
        code, hung = 0, False
        start = time.monotonic()
        cpu0 = resource.getrusage(resource.RUSAGE_SELF)
        signal.alarm(HANG_S)
        try:
            with redirect_stdout(out), redirect_stderr(err):
                try:
                    main()
                except SystemExit as exc:
                    code = exc.code if isinstance(exc.code, int) else 1
        except Hang:
            hung, code = True, -1
        except BaseException as exc:  # anything main let through is a failure of the one-error-path promise
            code = -2
            err.write(f"Traceback (most recent call last): escaped main: {exc!r}\n")
        finally:
            signal.alarm(0)
        cpu1 = resource.getrusage(resource.RUSAGE_SELF)
        cpu = cpu1.ru_utime + cpu1.ru_stime - cpu0.ru_utime - cpu0.ru_stime
        record = {"command": name, "code": code, "hung": hung, "seconds": round(time.monotonic() - start, 3),
                  "cpu_s": round(cpu, 3),
                  "err": err.getvalue()[-3000:], "out_lines": out.getvalue().count("\n")}
        sys.__stdout__.write(json.dumps(record) + "\n")
        sys.__stdout__.flush()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    sys.__stdout__.write(json.dumps({"peak_kib": peak}) + "\n")


def _judge(code: int, err: str, max_lines: int = 3) -> str:
    if "Traceback (most recent call last)" in err:
        return "traceback"
    if "internal error:" in err:
        return "internal error"
    if code not in (0, 1, 2):
        return f"exit {code}"
    lines = [line for line in err.splitlines() if line.strip() and not line.startswith(("warning: ", "note: "))]
    if code != 0 and not lines:
        return "no error line"
    if len(lines) > max_lines:
        return "more than 3 error lines"
    if code != 0 and not all(line.startswith("error: ") or line.startswith("# ") for line in lines):
        return "error line without 'error: '"
    return ""


def make_special(folder: Path) -> list[Path]:
    """Files that git cannot hold."""
    folder.mkdir(parents=True, exist_ok=True)
    fifo = folder / "special-fifo.yaml"
    os.mkfifo(fifo)
    sparse = folder / "special-sparse-5g.yaml"
    with open(sparse, "wb") as fh:
        fh.truncate(5 << 30)
    loop_a, loop_b = folder / "special-loop-a.yaml", folder / "special-loop-b.yaml"
    loop_a.symlink_to(loop_b)
    loop_b.symlink_to(loop_a)
    dangling = folder / "special-dangling.yaml"
    dangling.symlink_to(folder / "nowhere" / "x.yaml")
    to_proc = folder / "special-to-proc.yaml"
    to_proc.symlink_to("/proc/self/environ")
    to_zero = folder / "special-to-dev-zero.yaml"
    to_zero.symlink_to("/dev/zero")
    (folder / "special-folder.yaml").mkdir()
    unreadable = folder / "special-mode-000.yaml"
    unreadable.write_text("name: special-mode-000\n")
    unreadable.chmod(0)
    return [fifo, sparse, loop_a, dangling, to_proc, to_zero, folder / "special-folder.yaml", unreadable,
            Path("/proc/self/environ"), Path("/dev/zero"), Path("/dev/null"), Path("/proc/self/mem"),
            Path("/" + "x" * 300 + ".yaml"), Path("/etc/passwd")]


def run_files(work: Path, files: list[Path], jobs: int = max(2, os.cpu_count() or 2)) -> list[dict[str, Any]]:
    """Every command on every file; one record per (file, command)."""
    good = (REPO / "tests" / "core" / "data" / "good.yaml").read_text()

    def one(i_path: tuple[int, Path]) -> list[dict[str, Any]]:
        i, path = i_path
        case = work / f"case{i}"
        case.mkdir()
        stem = path.stem if path.name.endswith(".yaml") else "target"
        stem = stem if len(stem) < 200 else "target"
        linked = case / f"{stem}.yaml"
        try:
            linked.symlink_to(path)
        except OSError:
            pass
        child = case / "child.yaml"
        child.write_text(good.replace("name: good", "name: child", 1) + f"extends: {stem}\n")
        start = time.monotonic()
        proc = subprocess.Popen([sys.executable, __file__, "--worker", str(path), str(child), str(case)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                                cwd=work, start_new_session=True)
        killed = False
        try:
            out, err = proc.communicate(timeout=HANG_S * (len(COMMANDS) + 1))
        except subprocess.TimeoutExpired:
            killed = True
            os.killpg(proc.pid, signal.SIGKILL)
            out, err = proc.communicate()
        records = []
        peak = 0
        for line in out.decode("utf-8", "replace").splitlines():
            try:
                rec = json.loads(line)
            except ValueError:
                continue
            if "peak_kib" in rec:
                peak = rec["peak_kib"]
                continue
            rec["file"] = str(path)
            rec["problem"] = "hang" if rec["hung"] else "over 10 s" if rec["cpu_s"] > TIME_LIMIT_S else \
                _judge(rec["code"], rec["err"])
            records.append(rec)
        if killed or len(records) < len(COMMANDS) or proc.returncode != 0:
            records.append({"file": str(path), "command": "worker", "code": proc.returncode, "hung": killed,
                            "seconds": round(time.monotonic() - start, 1), "err": err.decode()[-2000:],
                            "problem": "hang" if killed else f"worker died (exit {proc.returncode})"})
        for rec in records:
            rec["peak_kib"] = peak
        return records

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        return [rec for recs in pool.map(one, enumerate(files)) for rec in recs]


def run_args(work: Path, jobs: int = max(2, os.cpu_count() or 2)) -> list[dict[str, Any]]:
    """Every argument list as one real `envkit` process under 1 GiB and 10 s."""
    home = work / "home"
    for name in ("bases", "recipes", "site-profiles"):
        shutil.copytree(REPO / name, home / name)
    shutil.copytree(REPO / "workloads", home / "workloads", ignore=shutil.ignore_patterns("__pycache__"))
    cwd = work / "cwd"
    cwd.mkdir()
    script = Path(sys.executable).with_name("envkit")
    env = {**os.environ, "ENVKIT_HOME": str(home)}
    env.pop("ENVKIT_PROFILE_PATH", None)

    def limits() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
        resource.setrlimit(resource.RLIMIT_CPU, (TIME_LIMIT_S, TIME_LIMIT_S + 1))

    def one(args: list[str]) -> dict[str, Any]:
        start = time.monotonic()
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        proc = subprocess.Popen([str(script), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                stdin=subprocess.DEVNULL, cwd=cwd, env=env, preexec_fn=limits, start_new_session=True)
        hung = False
        try:
            _out, err = proc.communicate(timeout=HANG_S)
        except subprocess.TimeoutExpired:
            hung = True
            os.killpg(proc.pid, signal.SIGKILL)
            _out, err = proc.communicate()
        after = resource.getrusage(resource.RUSAGE_CHILDREN)  # with 2 threads this may include the other child
        cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
        text = err.decode("utf-8", "replace")
        if proc.returncode in (-signal.SIGXCPU, -signal.SIGKILL) and not hung:
            text += "\nover the CPU limit"
        max_lines = max(3, len(args) - 2) if args[:2] == ["site", "validate"] else 3
        return {"args": args, "code": proc.returncode, "seconds": round(time.monotonic() - start, 3), "hung": hung,
                "cpu_s": round(cpu, 3), "err": text[-2000:],
                "problem": "hang" if hung else "over 10 s" if proc.returncode == -signal.SIGXCPU
                else _judge(proc.returncode, text, max_lines)}

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(one, ARGS))


def corpus_files(work: Path) -> list[Path]:
    """The whole corpus: the table (big files too), the core bad profiles, the special files."""
    sys.path.insert(0, str(HERE))
    from make_hostile import write_all

    table = write_all(work / "hostile", big=True)
    bad = sorted((REPO / "tests" / "core" / "bad_profiles").glob("*.yaml"))
    return [*table, *bad, *make_special(work / "special")]


def summarise(file_records: list[dict[str, Any]], arg_records: list[dict[str, Any]], n_files: int) -> dict[str, Any]:
    problems = [r for r in (*file_records, *arg_records) if r.get("problem")]
    return {
        "files": n_files, "commands_per_file": len(COMMANDS), "file_runs": len(file_records),
        "arg_lists": len(arg_records),
        "tracebacks": sum(r["problem"] == "traceback" for r in problems),
        "internal_errors": sum(r["problem"] == "internal error" for r in problems),
        "hangs": sum(r["problem"] == "hang" for r in problems),
        "over_10s": sum(r["problem"] == "over 10 s" for r in problems),
        "other_problems": sum(r["problem"] not in ("traceback", "internal error", "hang", "over 10 s")
                              for r in problems),
        "slowest_s": max((r["seconds"] for r in (*file_records, *arg_records)), default=0),
        "most_cpu_s": max((r.get("cpu_s", 0) for r in file_records), default=0),
        "peak_mib": round(max((r.get("peak_kib", 0) for r in file_records), default=0) / 1024),
        "exit_codes": {str(c): sum(r["code"] == c for r in (*file_records, *arg_records))
                       for c in sorted({r["code"] for r in (*file_records, *arg_records)})},
        "problems": [{k: r.get(k) for k in ("file", "args", "command", "problem", "err")} for r in problems][:20],
    }


def main() -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="envkit-hostile-") as tmp:
        work = Path(tmp)
        files = corpus_files(work)
        started = time.monotonic()
        file_records = run_files(work, files)
        arg_records = run_args(work)
        summary = summarise(file_records, arg_records, len(files))
        summary["seconds"] = round(time.monotonic() - started, 1)
        for special in (work / "special").iterdir():  # mode 000 and the 5 GB sparse file: let rmtree work
            if special.is_file() and not special.is_symlink():
                special.chmod(0o644)
    return summary


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--worker":
        _worker(*sys.argv[2:])
        sys.exit(0)
    s = main()
    print(f"files {s['files']} x {s['commands_per_file']} commands = {s['file_runs']} runs, "
          f"argument lists {s['arg_lists']}: tracebacks {s['tracebacks']}, internal errors {s['internal_errors']}, "
          f"hangs {s['hangs']}, over 10 s {s['over_10s']}, other problems {s['other_problems']}; "
          f"slowest {s['slowest_s']} s wall, most CPU {s['most_cpu_s']} s, peak worker RSS {s['peak_mib']} MiB "
          f"(limit 1024), total {s['seconds']} s")
    print(f"exit codes: {s['exit_codes']}")
    for p in s["problems"]:
        print(f"  {p}")
    sys.exit(1 if s["problems"] else 0)

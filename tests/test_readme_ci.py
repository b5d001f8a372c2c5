"""README.md opens with the two fresh-machine commands, and .ci/run runs the second one verbatim."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _readme_commands() -> list[str]:
    text = (REPO / "README.md").read_text()
    block = re.search(r"```bash\n(.*?)```", text, re.S)
    assert block and text.index("```bash") < 400, "README.md must open with the fresh-machine commands"
    return [line for line in block.group(1).splitlines() if line and not line.startswith("#")]


def test_readme_opens_with_run_and_test_commands() -> None:
    run, test = _readme_commands()
    assert run.startswith("bash scripts/setup.sh && ") and "envkit run --site local" in run and "--json" in run
    assert test.startswith("bash scripts/setup.sh && ") and "-m pytest" in test


def test_ci_runs_the_readme_test_command() -> None:
    _run, test = _readme_commands()
    ci = (REPO / ".ci" / "run").read_text().splitlines()
    assert test in ci, f".ci/run must run README's test command {test!r}"
    assert (REPO / ".ci" / "run").stat().st_mode & 0o111


def test_setup_script_installs_what_the_integration_tests_use() -> None:
    setup = (REPO / "scripts" / "setup.sh").read_text()
    for package in ("charliecloud", "debootstrap", "openmpi-bin", "slurm-wlm", "munge", "libpmix-dev", "chromium"):
        assert package in setup, package
    assert re.search(r"torch==2\.14\.1.*torchvision==0\.29\.1", setup)


def test_ci_prints_a_phase_table_from_the_times_file(tmp_path: Path) -> None:
    """.ci/run sets ENVKIT_CI_TIMES and prints scripts/ci_times.py's table on exit; the table sums each group."""
    import json
    import subprocess
    import sys

    ci = (REPO / ".ci" / "run").read_text()
    assert "export ENVKIT_CI_TIMES" in ci and "trap phase_table EXIT" in ci and "scripts/ci_times.py" in ci
    times = tmp_path / "times.jsonl"
    rows = [{"phase": "set-up (scripts/setup.sh: apt, pip)", "seconds": 180},
            {"test": "tests/core/test_a.py::t", "when": "call", "seconds": 2.0, "markers": [], "outcome": "passed"},
            {"test": "tests/build/test_b.py::t", "when": "setup", "seconds": 600.0, "markers": ["container", "slow"],
             "outcome": "passed"},
            {"test": "tests/build/test_b.py::t", "when": "call", "seconds": 60.0, "markers": ["container", "slow"],
             "outcome": "passed"},
            {"test": "tests/run/test_c.py::t@serial", "when": "call", "seconds": 30.0, "markers": ["mpi", "slow"],
             "outcome": "passed"}]
    times.write_text("".join(json.dumps(r) + "\n" for r in rows) + '{"test": "tests/cut')   # a run killed mid-line
    out = subprocess.run([sys.executable, str(REPO / "scripts" / "ci_times.py"), str(times)], capture_output=True,
                         text=True, check=True).stdout
    assert "| set-up (scripts/setup.sh: apt, pip) | | 180 | 3.0 |" in out
    assert "| fast set (-m 'not slow') | 1 | 2 | 0.0 |" in out
    assert "| slow: tests/build | 1 | 660 | 11.0 |" in out and "| slow, marker container | 1 | 660 | 11.0 |" in out
    assert "| one worker: group serial | 1 | 30 | 0.5 |" in out and "1 line(s)" in out


def test_the_test_hook_writes_each_tests_time_and_markers(tmp_path: Path) -> None:
    import json
    import os
    import subprocess
    import sys

    times = tmp_path / "times.jsonl"
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("PYTEST_XDIST")}, "ENVKIT_CI_TIMES": str(times)}
    subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                    "tests/test_readme_ci.py::test_readme_opens_with_run_and_test_commands"],
                   cwd=REPO, env=env, check=True, capture_output=True)
    lines = [json.loads(line) for line in times.read_text().splitlines()]
    assert {x["when"] for x in lines} == {"setup", "call", "teardown"}
    assert all(x["test"].endswith("test_readme_opens_with_run_and_test_commands") and x["markers"] == []
               for x in lines)


def test_slow_tests_run_in_one_worker_in_order(tmp_path: Path) -> None:
    """Under README's `-n auto --dist loadgroup`, the slow tests share one worker, in collection order (they
    share the image store and the Slurm cluster); without it they would race."""
    import os
    import shutil
    import subprocess
    import sys

    shutil.copy(REPO / "tests" / "conftest.py", tmp_path / "conftest.py")
    log = tmp_path / "order.txt"
    (tmp_path / "test_order.py").write_text(
        "import os\nimport pytest\n\n"
        "@pytest.mark.slow\n@pytest.mark.parametrize('i', range(6))\ndef test_slow(i):\n"
        f"    with open({str(log)!r}, 'a') as f:\n"
        "        f.write(f\"{i} {os.environ.get('PYTEST_XDIST_WORKER')}\\n\")\n\n"
        "@pytest.mark.parametrize('i', range(6))\ndef test_fast(i):\n    pass\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_XDIST", "ENVKIT_CI_TIMES"))}
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-n", "2", "--dist", "loadgroup", "-p",
                           "no:cacheprovider", "-W", "ignore::pytest.PytestUnknownMarkWarning", str(tmp_path)],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-2000:]
    rows = [line.split() for line in log.read_text().splitlines()]
    assert [int(i) for i, _ in rows] == list(range(6)) and len({w for _, w in rows}) == 1, rows

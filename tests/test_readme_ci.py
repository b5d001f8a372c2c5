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

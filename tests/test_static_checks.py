"""The static checks run with the tests (README's test command runs them): ruff, mypy, doctests.

Doctests run through pytest itself (`--doctest-modules` over envkit/, see pyproject.toml); this file
checks that they stay switched on and that both linters pass on the tree.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _run(*argv: str, timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *argv], cwd=REPO, capture_output=True, text=True,
                          timeout=timeout, check=False)


def test_ruff_check_is_clean() -> None:
    proc = _run("ruff", "check", "envkit", "tests", "bench", "setup.py", timeout=300)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]


@pytest.mark.slow
def test_mypy_envkit_is_clean() -> None:
    proc = _run("mypy", "envkit", timeout=900)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert proc.stdout.startswith("Success: no issues found")


def test_doctests_are_collected_from_envkit() -> None:
    config = (REPO / "pyproject.toml").read_text()  # (tomllib is Python 3.11+; envkit supports 3.10)
    addopts = re.search(r'^addopts = "(.*)"$', config, re.M)
    testpaths = re.search(r"^testpaths = \[(.*)\]$", config, re.M)
    assert addopts and "--doctest-modules" in addopts.group(1).split()
    assert testpaths and '"envkit"' in testpaths.group(1)
    proc = _run("pytest", "--collect-only", "-q", "-p", "no:cacheprovider", "envkit/registry.py",
                "envkit/recipe/render.py", timeout=300)
    assert "envkit/registry.py::envkit.registry" in proc.stdout, proc.stdout[-2000:]
    assert "envkit/recipe/render.py::envkit.recipe.render" in proc.stdout, proc.stdout[-2000:]

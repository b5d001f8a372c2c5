"""Fixtures for the docs tests: run the CLI as a user would, and a folder for extra profiles."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

Run = Callable[..., subprocess.CompletedProcess]


@pytest.fixture
def envkit_cli() -> Run:
    """Run `envkit ARGS...` in a fresh interpreter; returns the completed process (text mode).

    Example: envkit_cli("docs", "--site", "summit").stdout
    """

    def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
        full_env = {**os.environ, **(env or {})}
        return subprocess.run([sys.executable, "-m", "envkit.cli", *args], capture_output=True, text=True,
                              env=full_env, cwd=REPO, timeout=120)

    return run


@pytest.fixture
def profile_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty folder on ENVKIT_PROFILE_PATH (for this test's process and its children)."""
    folder = tmp_path / "profiles"
    folder.mkdir()
    monkeypatch.setenv("ENVKIT_PROFILE_PATH", str(folder))
    return folder

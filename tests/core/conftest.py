"""Fixtures for the core tests."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from .helpers import REPO


@pytest.fixture
def envkit_home(tmp_path: Path) -> Path:
    """A scratch ENVKIT_HOME with copies of bases/, recipes/ and site-profiles/."""
    home = tmp_path / "home"
    for folder in ("bases", "recipes", "site-profiles"):
        shutil.copytree(REPO / folder, home / folder)
    (home / "workloads").mkdir()
    return home

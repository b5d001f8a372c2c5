"""setuptools hook: ship site-profiles/, recipes/, bases/, workloads/ and the locks inside the wheel.

The folders stay at the top of the repository, where users and the docs name them. A wheel build copies
them into the package as `envkit/_data/<folder>`, where `envkit.resources.shipped()` finds them through
`importlib.resources`. An editable install skips the copy: envkit then reads the checkout's folders.
Everything else about the package is in pyproject.toml.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from envkit.resources import PACKAGED, SHIPPED_FOLDERS  # noqa: E402  (stdlib only: no dependency needed)


class BuildPyWithData(build_py):
    """build_py, plus a copy of the shipped data folders into the built package (not in editable mode)."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        target = Path(self.build_lib) / "envkit" / PACKAGED
        for folder in SHIPPED_FOLDERS:
            shutil.rmtree(target / folder, ignore_errors=True)
            shutil.copytree(HERE / folder, target / folder,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".*"))
        # The committed locks (a build refuses a layer without one) and the project file they hash.
        shutil.rmtree(target / "containers", ignore_errors=True)
        for locks in sorted((HERE / "containers").glob("*/locks")):
            shutil.copytree(locks, target / "containers" / locks.parent.name / "locks")
        shutil.copy2(HERE / "pyproject.toml", target / "pyproject.toml")


setup(cmdclass={"build_py": BuildPyWithData})

"""`pip install` of a built wheel works away from the checkout: the data folders ship inside the package.

Builds the wheel, installs it (with its dependencies) into a fresh venv in a temporary folder, and runs the
commands a new user runs first there, with a home folder of its own. Their output must equal the checkout's,
and `envkit base clone` must write into the user's XDG data folder, never into the installed package.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


def _run(argv: list[str], cwd: Path, env: dict[str, str], timeout: float = 600) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False)
    tail = (proc.stdout + proc.stderr)[-3000:]
    assert proc.returncode == 0, f"{' '.join(argv)} exited {proc.returncode}:\n{tail}"
    return proc


def _files(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` by relative path, less Python's byte-code caches (pip compiles on install)."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and "__pycache__" not in p.parts}


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """A fresh venv (outside the checkout) with the wheel installed, and the environment to run it in."""
    root = tmp_path_factory.mktemp("wheel")
    clean = {k: v for k, v in os.environ.items()
             if not k.startswith(("ENVKIT_", "XDG_", "PYTHON", "VIRTUAL_ENV", "PIP_REQUIRE"))}
    # Build from a copy of the repository's files (what a fresh clone has), so no build/ left in the checkout
    # by an earlier build can slip stale modules into the wheel.
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=REPO,
                            check=True, capture_output=True).stdout.decode().split("\0")
    for rel in filter(None, listed):
        if (REPO / rel).is_file():
            (root / "src" / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / rel, root / "src" / rel)
    _run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(root / "dist"),
          str(root / "src")], cwd=root, env=clean)
    (wheel,) = (root / "dist").glob("envkit-*.whl")
    _run([sys.executable, "-m", "venv", str(root / "venv")], cwd=root, env=clean)
    _run([str(root / "venv" / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check",
          str(wheel)], cwd=root, env=clean)
    (root / "home").mkdir()
    env = {**clean, "HOME": str(root / "home"), "PATH": f"{root / 'venv' / 'bin'}{os.pathsep}{clean['PATH']}"}
    return root, env


def test_wheel_holds_the_data_and_no_checkout_is_needed(installed: tuple[Path, dict[str, str]]) -> None:
    root, env = installed
    python = str(root / "venv" / "bin" / "python")
    where = _run([python, "-c", "import envkit.resources as r; print(r.shipped()); print(r.user_home())"],
                 cwd=root, env=env).stdout.split()
    package = root / "venv" / "lib"
    assert Path(where[0]).is_relative_to(package) and where[0].endswith("envkit/_data")
    assert where[1] == str(root / "home" / ".local" / "share" / "envkit")
    for folder in ("site-profiles", "recipes", "bases", "workloads", "known-issues"):
        assert _files(Path(where[0]) / folder) == _files(root / "src" / folder), folder  # the clone's files
    lock_dirs = sorted((root / "src" / "containers").glob("*/locks"))  # a build refuses a layer without its lock
    assert lock_dirs
    for locks in lock_dirs:
        assert _files(Path(where[0]) / "containers" / locks.parent.name / "locks") == _files(locks), locks


def test_first_commands_match_the_checkout(installed: tuple[Path, dict[str, str]]) -> None:
    root, env = installed
    envkit = str(root / "venv" / "bin" / "envkit")
    sites = _run([envkit, "sites"], cwd=root, env=env).stdout
    assert all(name in sites for name in ("hal", "summit", "bridges-ai", "local"))
    assert _run([envkit, "render", "--site", "hal"], cwd=root, env=env).stdout == \
        (REPO / "containers" / "hal" / "site.def").read_text()
    docs = _run([envkit, "docs", "--site", "summit"], cwd=root, env=env).stdout
    checkout = str(Path(sys.executable).with_name("envkit"))
    # The same folder and HOME as the wheel's run: the run lines name this machine's store and ./results.
    here = subprocess.run([checkout, "docs", "--site", "summit"], cwd=root, capture_output=True,
                          text=True, timeout=120, check=True,
                          env={**{k: v for k, v in os.environ.items() if k != "ENVKIT_PROFILE_PATH"},
                               "HOME": env["HOME"]}).stdout
    assert docs == here and "\n# Summit" in docs and "## Known issues" in docs
    log = REPO / "tests" / "knownissues" / "logs" / "nv-files-missing.log"
    assert "[nv-files-missing]" in _run([envkit, "explain", str(log)], cwd=root, env=env).stdout


def test_base_clone_writes_to_the_users_folder_not_the_install(installed: tuple[Path, dict[str, str]]) -> None:
    root, env = installed
    envkit = str(root / "venv" / "bin" / "envkit")
    site_packages = next((root / "venv" / "lib").glob("python3*/site-packages"))
    before = _files(site_packages / "envkit" / "_data")
    out = _run([envkit, "base", "clone", "ncsa-base"], cwd=root, env=env).stdout
    mine = root / "home" / ".local" / "share" / "envkit"
    assert out.splitlines()[:2] == [f"wrote {mine / 'bases' / 'ncsa-base.yaml'}",
                                    f"wrote {mine / 'recipes' / 'scripts' / 'ncsa-base.post.sh.j2'}"]
    assert _files(site_packages / "envkit" / "_data") == before
    listed = _run([envkit, "base", "list"], cwd=root, env=env).stdout
    assert {line.split()[0] for line in listed.splitlines()} == {"envkit-base", "ncsa-base"}

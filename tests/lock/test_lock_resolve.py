"""`envkit lock` for real (uv against PyPI): a re-lock keeps versions, `--upgrade numpy` moves only numpy.

Slow (network): about 20 s each with uv's cache warm, a minute cold.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from envkit_cli import envkit_process

from envkit.lock.files import load_site_lock

pytestmark = [pytest.mark.slow]
REPO = Path(__file__).resolve().parents[2]
OLD_NUMPY = "2.3.5"   # an older numpy with cp311 manylinux wheels on PyPI


def _home(tmp: Path) -> Path:
    home = tmp / "home"
    for name in ("site-profiles", "bases", "recipes", "workloads", "pyproject.toml", "README.md"):
        src = REPO / name
        (shutil.copytree if src.is_dir() else shutil.copy2)(src, home / name)
    shutil.copytree(REPO / "containers" / "local" / "locks", home / "containers" / "local" / "locks")
    return home


def _envkit(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return envkit_process(*args, env={"ENVKIT_HOME": str(home)}, unset=("ENVKIT_PROFILE_PATH",), timeout=900)


def _set_version(home: Path, name: str, version: str) -> None:
    """Pretend the committed lock was written when `name` was at `version` (its hash text kept)."""
    path = home / "containers" / "local" / "locks" / "pylock.base.toml"
    text, count = re.subn(rf'(name = "{name}"\nversion = )"[^"]+"', rf'\1"{version}"', path.read_text())
    assert count == 1
    path.write_text(text)


def test_relock_keeps_every_version_and_the_files(tmp_path: Path) -> None:
    home = _home(tmp_path)
    before = {p.name: p.read_bytes() for p in (home / "containers/local/locks").iterdir()}
    proc = _envkit(home, "lock", "--site", "local")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().endswith(": identical"), proc.stdout
    after = {p.name: p.read_bytes() for p in (home / "containers/local/locks").iterdir()}
    assert after == before


def test_upgrade_numpy_moves_only_numpy_and_prints_it(tmp_path: Path) -> None:
    home = _home(tmp_path)
    _set_version(home, "numpy", OLD_NUMPY)
    old = load_site_lock("local", home / "containers/local/locks")
    assert old is not None
    kept = _envkit(home, "lock", "--site", "local")          # no --upgrade: the old numpy stays
    assert kept.returncode == 0, kept.stderr
    assert not any("numpy" in line for line in kept.stdout.splitlines()[:-1]), kept.stdout
    proc = _envkit(home, "lock", "--site", "local", "--upgrade", "numpy")
    assert proc.returncode == 0, proc.stderr
    changes = proc.stdout.splitlines()[:-1]
    new_numpy = load_site_lock("local", home / "containers/local/locks").layers["base"].packages["numpy"].version
    assert changes == [f"base python numpy: {OLD_NUMPY} -> {new_numpy}"], proc.stdout
    assert proc.stdout.splitlines()[-1].endswith(": 0 added, 0 removed, 1 changed")
    new = load_site_lock("local", home / "containers/local/locks")
    assert new is not None
    for layer, locked in old.layers.items():
        others = {n: v for n, v in locked.pins().items() if n != "numpy"}
        assert {n: v for n, v in new.layers[layer].pins().items() if n != "numpy"} == others, layer


def test_fill_cache_downloads_every_locked_file_of_a_layer_for_its_platform(tmp_path: Path) -> None:
    proc = _envkit(REPO, "lock", "--site", "delta", "--fill-cache", str(tmp_path / "wheels"),
                   "--layer", "workload-resnet50")
    assert proc.returncode == 0, proc.stderr
    locked = load_site_lock("delta").layers["workload-resnet50"].pins()   # type: ignore[union-attr]
    files = sorted(p.name for p in (tmp_path / "wheels").iterdir())
    assert len(files) == len(locked)
    for name, version in locked.items():
        stem = f"{name.replace('-', '_')}-{version}-"
        assert any(f.lower().startswith(stem) for f in files), (name, files)
    assert any("cp310" in f for f in files)        # delta's Python, not this machine's 3.11

"""Locked builds for real (Charliecloud, container + slow), on the shared local image.

The smallest layer that installs Python packages is the resnet50 workload layer (envkit's own dependencies:
eleven small wheels; its other packages the base holds). It is built twice (the second time from its parent,
its record dropped: base and site stay), and the two images' package sets must be identical and equal to the
lock. A lock edited to a wrong hash must fail the build with one line naming the package. Figures go to the
store's test-report.json (seconds per build, what differs between the two trees).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from envkit_cli import envkit_process

from envkit.profile import load_profile as _load_profile
from envkit.recipe.layers import base_tag as _base_tag
from envkit.store.cache import drop_record, read_record
from envkit.store.paths import LayerPaths

BASE_LOCAL = _base_tag(_load_profile("local"))

pytestmark = [
    pytest.mark.container, pytest.mark.slow,
    pytest.mark.skipif(shutil.which("ch-image") is None or shutil.which("debootstrap") is None,
                       reason="Charliecloud/debootstrap not installed (run scripts/install-charliecloud.sh)"),
]
REPO = Path(__file__).resolve().parents[2]
STORE = Path(os.environ.get("ENVKIT_TEST_STORE", "/var/tmp/envkit-test-store"))
ROOT = STORE / "charliecloud"
TAG = "envkit-local-resnet50"
REPORT = STORE / "test-report.json"


def envkit(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return envkit_process(*args, env=env, unset=("ENVKIT_PROFILE_PATH",), timeout=3600)


def _build(env: dict[str, str] | None = None) -> tuple[subprocess.CompletedProcess[str], float]:
    started = time.monotonic()
    proc = envkit("build", "--site", "local", "--workload", "resnet50", "--store", str(STORE), "--json", env=env)
    return proc, time.monotonic() - started


def _report(**facts: object) -> None:
    data = json.loads(REPORT.read_text()) if REPORT.is_file() else {}
    data.update(facts)
    REPORT.write_text(json.dumps(data, indent=2) + "\n")


@pytest.fixture(scope="module")
def first_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The resnet50 workload image (built if missing), its manifest copied aside."""
    proc, _ = _build()
    assert proc.returncode == 0, proc.stderr[-3000:]
    keep = tmp_path_factory.mktemp("first") / "first.manifest.json"
    shutil.copy2(LayerPaths(ROOT, TAG).manifest, keep)
    return keep


def test_two_builds_have_the_same_packages_and_equal_the_lock(first_build: Path, tmp_path: Path) -> None:
    image = json.loads(first_build.read_text())["image"]
    snapshot = tmp_path / "first-tree"      # hard links: the first tree as it was, at no copy cost
    subprocess.run(["cp", "-al", image, str(snapshot)], check=True)
    drop_record(LayerPaths(ROOT, TAG).record)          # the workload layer only: base and site stay
    proc, seconds = _build()
    assert proc.returncode == 0, proc.stderr[-3000:]
    statuses = {x["tag"]: x["status"] for x in json.loads(proc.stdout)["layers"]}
    assert statuses == {BASE_LOCAL: "up to date", "envkit-local": "up to date", TAG: "built"}
    second = LayerPaths(ROOT, TAG).manifest
    same = envkit("diff", str(first_build), str(second))
    assert same.returncode == 0 and same.stdout.strip().endswith(": identical"), same.stdout
    lock = REPO / "containers" / "local" / "locks" / "pylock.workload-resnet50.toml"
    locked = envkit("diff", str(lock), str(second))
    assert locked.returncode == 0 and locked.stdout.strip().endswith(": identical"), locked.stdout
    from envkit.lock.treediff import tree_diff

    diff = tree_diff(snapshot, Path(image))
    _report(lock_rebuild_seconds=round(seconds, 1), lock_rebuild_files=diff.files,
            lock_rebuild_differing=len(diff.content) + len(diff.only_a) + len(diff.only_b),
            lock_rebuild_mtime_only=diff.mtime_only, lock_rebuild_kinds=diff.kinds(),
            lock_rebuild_examples=(diff.content + diff.only_a + diff.only_b)[:40])
    shutil.rmtree(snapshot, ignore_errors=True)


def test_a_wrong_hash_fails_the_build_naming_the_package(first_build: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    for name in ("site-profiles", "bases", "recipes", "workloads", "pyproject.toml", "README.md", "envkit"):
        src = REPO / name
        if src.is_dir():
            shutil.copytree(src, home / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(src, home / name)
    shutil.copytree(REPO / "containers" / "local" / "locks", home / "containers" / "local" / "locks")
    lock = home / "containers" / "local" / "locks" / "pylock.workload-resnet50.toml"
    text = lock.read_text()
    start = text.index('name = "rich"')
    end = text.find("[[packages]]", start)
    end = len(text) if end < 0 else end
    lock.write_text(text[:start] + re.sub(r'sha256 = "[0-9a-f]{64}"', f'sha256 = "{"0" * 64}"', text[start:end])
                    + text[end:])
    record = read_record(LayerPaths(ROOT, TAG).record)
    proc, seconds = _build(env={"ENVKIT_HOME": str(home)})
    assert proc.returncode != 0
    errors = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
    from envkit.lock.files import read_pylock

    version = read_pylock(REPO / "containers" / "local" / "locks" / "pylock.workload-resnet50.toml")["rich"].version
    expected = f"rich {version}: the downloaded file does not match the sha256 in the lock"
    assert len(errors) == 1 and expected in errors[0], proc.stderr[-2000:]
    assert read_record(LayerPaths(ROOT, TAG).record) == record    # the good image and its record stay
    _report(lock_wrong_hash_seconds=round(seconds, 1))

"""containers/ holds what a fresh render gives: `python -m envkit.recipe.goldens --check`."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from envkit.profile import load_profile
from envkit.recipe import goldens
from envkit.recipe.layers import base_tag

from .helpers import REPO, SHIPPED_SITES


def test_committed_containers_match_a_fresh_render() -> None:
    proc = subprocess.run([sys.executable, "-m", "envkit.recipe.goldens", "--check"], cwd=REPO, capture_output=True,
                          text=True, timeout=60, check=False)
    assert proc.returncode == 0, f"containers/ is out of date, run `python -m envkit.recipe.goldens`:\n{proc.stdout}"
    assert proc.stdout == ""


def test_every_shipped_site_has_its_files() -> None:
    fresh = goldens.render_all()
    for site in SHIPPED_SITES:
        for layer in ("base", "site"):
            assert f"{site}/{layer}.def" in fresh
            assert f"{site}/docker/{layer}/Dockerfile" in fresh
        assert f"{site}/docker/base/{base_tag(load_profile(site))}.post.sh" in fresh
        assert f"{site}/docker/site/envkit-{site}.test.sh" in fresh
    assert list(fresh) == sorted(fresh)


@pytest.fixture
def home(envkit_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ENVKIT_HOME", str(envkit_home))
    monkeypatch.delenv("ENVKIT_PROFILE_PATH", raising=False)
    return envkit_home


def test_write_then_check_round_trip(home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "containers"
    written = goldens.write(root)
    assert written and all(not w.endswith("(removed)") for w in written)
    assert {w.split("/")[0] for w in written} == set(SHIPPED_SITES)
    assert goldens.check(root) == []
    assert goldens.write(root) == []  # deterministic: a second write changes nothing
    assert goldens.main(["--check", "--root", str(root)]) == 0

    (root / "hal" / "site.def").write_text("edited\n")
    (root / "local" / "base.def").unlink()
    (root / "atlantis").mkdir()
    (root / "atlantis" / "site.def").write_text("old\n")
    assert goldens.check(root) == ["atlantis/site.def (stale: no longer rendered)", "hal/site.def (differs)",
                                   "local/base.def (missing)"]
    capsys.readouterr()
    assert goldens.main(["--check", "--root", str(root)]) == 1
    captured = capsys.readouterr()
    assert captured.out.splitlines() == ["containers/atlantis/site.def (stale: no longer rendered)",
                                         "containers/hal/site.def (differs)", "containers/local/base.def (missing)"]
    assert "3 file(s) out of date" in captured.err

    assert sorted(goldens.write(root)) == ["atlantis/site.def (removed)", "hal/site.def", "local/base.def"]
    assert not (root / "atlantis").exists()
    assert goldens.check(root) == []


def test_bundled_workloads_get_their_own_files_and_a_users_do_not(home: Path) -> None:
    (home / "workloads" / "demo").mkdir()
    (home / "workloads" / "demo" / "workload.yaml").write_text("name: demo\ndescription: A demo\n")
    (home / "site-profiles" / "local.yaml").write_text("name: local\n")  # would not even load
    fresh = goldens.render_all()
    assert "local/workload-aigw.def" in fresh
    assert "local/docker/workload-aigw/Dockerfile" in fresh
    assert "local/docker/workload-aigw/envkit-local-aigw.post.sh" in fresh
    assert not any("demo" in name for name in fresh)


def test_user_profiles_do_not_shadow_shipped_ones(home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "containers"
    goldens.write(root)
    mine = tmp_path / "mine"
    mine.mkdir()
    shutil.copy(home / "site-profiles" / "local.yaml", mine / "local.yaml")
    text = (mine / "local.yaml").read_text().replace("cores_per_node: 2", "cores_per_node: 64")
    (mine / "local.yaml").write_text(text)
    monkeypatch.setenv("ENVKIT_PROFILE_PATH", str(mine))
    assert goldens.check(root) == []
    assert goldens.shipped_sites() == sorted(SHIPPED_SITES)

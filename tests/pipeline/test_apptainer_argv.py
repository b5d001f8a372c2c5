"""Apptainer/SingularityCE: the exact argv and definitions envkit hands the engine.

Apptainer cannot be installed on envkit's development and CI machines (not in Debian 12,
not on PyPI), so these tests check what would be run, by replacing the process runner;
where `apptainer`/`singularity` is on PATH, test_real_apptainer_build drives it for real.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from envkit_cli import run_inprocess

from envkit.engines import base as engines_base
from envkit.engines.apptainer import Apptainer, Singularity
from envkit.engines.base import get_engine
from envkit.pipeline.build import BuildOptions, run_build
from envkit.profile import load_profile as _load_profile
from envkit.recipe.layers import base_tag as _base_tag

BASE_HAL = _base_tag(_load_profile("hal"))

REPO = Path(__file__).resolve().parents[2]


def test_build_argv_fakeroot_and_notest() -> None:
    assert Apptainer().build_argv("b.def", "b.sif") == ["apptainer", "build", "--fakeroot", "b.sif", "b.def"]
    assert Singularity().build_argv("b.def", "b.sif", fakeroot=False, notest=True) == \
        ["singularity", "build", "--notest", "b.sif", "b.def"]


def test_exec_argv_nv_binds_env() -> None:
    argv = get_engine("singularity").exec_argv("/s/envkit-hal.sif", ["python3", "-V"], binds=["/home", "/projects"],
                                               env=[("OMP_NUM_THREADS", "1")], gpu=True)
    assert argv == ["singularity", "exec", "--nv", "--bind", "/home,/projects", "--env", "OMP_NUM_THREADS=1",
                    "/s/envkit-hal.sif", "python3", "-V"]
    assert get_engine("apptainer").exec_argv("x.sif", ["true"]) == ["apptainer", "exec", "x.sif", "true"]


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Replace the process runner: record each command, and 'build' the .sif it names."""
    calls: list[tuple[list[str], str | None, str]] = []

    def fake_run(cmd, log, on_line=None):  # type: ignore[no-untyped-def]
        argv = [str(a) for a in cmd.argv]
        definition = Path(argv[-1]).read_text()
        calls.append((argv, cmd.cwd, definition))
        Path(cmd.cwd, argv[-2]).write_text("SIF")
        return 0

    monkeypatch.setattr(engines_base, "run_logged", fake_run)
    monkeypatch.setattr(Apptainer, "available", lambda self: True)
    monkeypatch.setattr(Apptainer, "version", lambda self: "3.6.4")
    monkeypatch.setattr(Apptainer, "inspect", lambda self, image: {"arch": "ppc64le", "python": "3.10"})
    return calls


def test_hal_build_hands_singularity_exact_commands(tmp_path: Path, recorded) -> None:  # type: ignore[no-untyped-def]
    plan = run_build(BuildOptions(site="hal", store=tmp_path))
    root = tmp_path / "singularity"
    assert [lp.status for lp in plan.layers] == ["built", "built"]
    (base_argv, base_cwd, base_def), (site_argv, site_cwd, site_def) = recorded
    assert base_argv[:3] == ["singularity", "build", "--fakeroot"]
    assert base_argv[3].startswith(f"{BASE_HAL}.tmp-") and base_argv[3].endswith(".sif")
    assert base_argv[4] == str(root / "defs" / f"{BASE_HAL}.def")
    assert "Bootstrap: docker\nFrom: nvidia/cuda:11.2.2-cudnn8-devel-ubuntu18.04" in base_def
    # the site layer is built in the folder holding its parent .sif, which From: names relatively
    assert site_cwd == base_cwd == str(root)
    assert site_argv[:3] == ["singularity", "build", "--fakeroot"]
    assert f"Bootstrap: localimage\nFrom: {BASE_HAL}.sif\n" in site_def
    assert (root / f"{BASE_HAL}.sif").read_text() == "SIF" and (root / "envkit-hal.sif").is_file()
    assert not list(root.glob("*.tmp-*"))


def test_engine_override_and_no_fakeroot(tmp_path: Path, recorded, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    run_build(BuildOptions(site="hal", engine="apptainer", store=tmp_path / "a", layer="base"))
    (argv, cwd, _), = recorded
    assert argv[:3] == ["apptainer", "build", "--fakeroot"] and cwd == str(tmp_path / "a" / "apptainer")
    # A site whose admins allow no fakeroot (container.fakeroot: false) builds without it.
    profiles = tmp_path / "profiles"
    profiles.mkdir()
    (profiles / "hal-nofakeroot.yaml").write_text("name: hal-nofakeroot\nextends: hal\ncontainer:\n  fakeroot: false\n")
    monkeypatch.setenv("ENVKIT_PROFILE_PATH", str(profiles))
    # Its base inputs are hal's, so hal's lock serves it (a build refuses a layer without a fresh lock).
    home = tmp_path / "home"
    shutil.copytree(REPO / "containers" / "hal" / "locks", home / "containers" / "hal-nofakeroot" / "locks")
    monkeypatch.setenv("ENVKIT_HOME", str(home))
    recorded.clear()
    run_build(BuildOptions(site="hal-nofakeroot", engine="apptainer", store=tmp_path / "b", layer="base"))
    (argv, _cwd, _), = recorded
    assert argv[:2] == ["apptainer", "build"] and "--fakeroot" not in argv


def test_dry_run_prints_base_site_and_exec(tmp_path: Path) -> None:
    result = run_inprocess(*["build", "--site", "hal", "--dry-run", "--store", str(tmp_path)])
    assert result.code == 0, result.output
    lines = result.output.splitlines()
    root = tmp_path / "singularity"
    builds = [ln for ln in lines if " build --fakeroot " in ln]
    assert builds == [
        f"cd {root} && singularity build --fakeroot {BASE_HAL}.tmp-XXXXXXXX.sif {root}/defs/{BASE_HAL}.def",
        f"cd {root} && singularity build --fakeroot envkit-hal.tmp-XXXXXXXX.sif {root}/defs/envkit-hal.def",
    ]
    assert lines[-1].startswith(f"singularity exec --nv --bind /home,/projects {root}/envkit-hal.sif python3 -c ")
    assert not root.exists()   # a dry run writes nothing


@pytest.mark.container
@pytest.mark.slow
@pytest.mark.skipif(not (shutil.which("apptainer") or shutil.which("singularity")),
                    reason="Apptainer/SingularityCE not installed here")
def test_real_apptainer_dry_run_matches_engine(tmp_path: Path) -> None:
    name = "apptainer" if shutil.which("apptainer") else "singularity"
    result = run_inprocess(*["build", "--site", "hal", "--engine", name, "--dry-run",
                                      "--store", str(tmp_path)])
    assert result.code == 0 and f"{name} build" in result.output

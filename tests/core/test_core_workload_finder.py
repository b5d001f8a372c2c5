"""One workload finder: `envkit run/render` and `python -m envkit.train` find the same folder for a name,
a relative path or any folder holding a workload.yaml."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from envkit_cli import run_inprocess

from envkit.errors import EnvkitError
from envkit.profile import load_profile
from envkit.recipe.layers import workload_layer
from envkit.recipe.workload_spec import load_workload_spec, workload_dir
from envkit.train import workload as train_workload

from .helpers import REPO


@pytest.fixture
def own_workload(tmp_path: Path) -> Path:
    folder = tmp_path / "mine" / "mywl"
    shutil.copytree(REPO / "workloads" / "aigw", folder, ignore=shutil.ignore_patterns("__pycache__"))
    text = (folder / "workload.yaml").read_text().replace("name: aigw", "name: mywl", 1)
    (folder / "workload.yaml").write_text(text)
    return folder


def test_a_folder_anywhere_is_found_by_both(own_workload: Path) -> None:
    assert workload_dir(str(own_workload)) == own_workload.resolve()
    assert train_workload.resolve(str(own_workload)) == own_workload.resolve()
    assert load_workload_spec(str(own_workload)).name == "mywl"


def test_names_and_relative_paths(own_workload: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert workload_dir("aigw") == workload_dir("workloads/aigw") == (REPO / "workloads" / "aigw").resolve()
    monkeypatch.setenv("ENVKIT_WORKLOADS", str(own_workload.parent))
    assert workload_dir("mywl") == train_workload.resolve("mywl") == own_workload.resolve()
    with pytest.raises(EnvkitError, match=r"unknown workload 'nope' \(known: .*aigw.*mywl"):
        workload_dir("nope")
    with pytest.raises(train_workload.WorkloadError, match="unknown workload 'nope'"):
        train_workload.resolve("nope")


def test_a_workload_outside_envkit_renders_its_layer(own_workload: Path) -> None:
    layer = workload_layer(load_profile("local"), str(own_workload))
    assert (str(own_workload.resolve()), "/opt/envkit/workloads/mywl") in layer.files
    result = run_inprocess("render", "--site", "local", "--layer", "workload", "--workload", str(own_workload))
    assert result.code == 0, result.err
    assert f"{own_workload.resolve()} /opt/envkit/workloads/mywl" in result.out

"""inspect and verify over the fake engine: the manifest beside the image, drift naming the package."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from envkit_cli import run_inprocess

from envkit.pipeline.build import BuildOptions, run_build
from envkit.pipeline.inspect import load_manifest, verify

from .conftest import FakeEngine, write_tweaked_local


def test_manifest_holds_facts_and_hashes(tmp_path: Path, fake_engine: type[FakeEngine]) -> None:
    run_build(BuildOptions(site="local", engine="fake", store=tmp_path))
    _plan, lp, manifest = load_manifest(BuildOptions(site="local", engine="fake", store=tmp_path))
    assert manifest["torch"]["version"] == "2.14.1"
    assert manifest["cache_key"] == lp.key and len(manifest["recipe_hash"]) == 16
    assert manifest["profile_hash"] and manifest["engine"] == "fake 1.0"
    assert (Path(lp.image) / "envkit-manifest.json").is_file()   # written into the image as well


def test_verify_names_the_changed_package(tmp_path: Path, fake_engine: type[FakeEngine]) -> None:
    opts = BuildOptions(site="local", engine="fake", store=tmp_path)
    plan = run_build(opts)
    assert verify(opts).ok
    facts_file = Path(plan.top.image) / "facts.json"
    facts = json.loads(facts_file.read_text())
    facts["pip"]["tqdm"] = "4.0.0"
    facts_file.write_text(json.dumps(facts))
    report = verify(opts)
    assert not report.ok
    assert report.drift == ["pip package tqdm: 4.67.1 -> 4.0.0"]
    result = run_inprocess(*["verify", "--site", "local", "--engine", "fake", "--store", str(tmp_path)])
    assert result.code == 1 and "tqdm" in result.output


def test_verify_reports_render_drift(tmp_path: Path, fake_engine: type[FakeEngine],
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVKIT_PROFILE_PATH", str(write_tweaked_local(tmp_path / "p", {"X": "1"})))
    opts = BuildOptions(site="local", engine="fake", store=tmp_path / "s")
    run_build(opts)
    write_tweaked_local(tmp_path / "p", {"X": "2"})
    report = verify(opts)
    assert any("envkit-local no longer matches" in d for d in report.drift)


def test_inspect_cli_json(tmp_path: Path, fake_engine: type[FakeEngine]) -> None:
    run_build(BuildOptions(site="local", engine="fake", store=tmp_path))
    result = run_inprocess(*["inspect", "--site", "local", "--engine", "fake", "--store", str(tmp_path),
                                      "--json"])
    assert result.code == 0, result.output
    data = json.loads(result.output)
    assert data["torch"] == "2.14.1" and data["python"] == "3.11.2" and "Open MPI" in data["mpi"]


def test_inspect_without_build_is_one_line_error(tmp_path: Path, fake_engine: type[FakeEngine]) -> None:
    result = run_inprocess(*["inspect", "--site", "local", "--engine", "fake", "--store", str(tmp_path)])
    assert result.code != 0
    assert "build it first" in result.output

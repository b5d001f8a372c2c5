"""`envkit build` on the command line (fake engine): --json, --quiet, plain progress, one-line errors."""

from __future__ import annotations

import io
import json
from pathlib import Path

from envkit_cli import run_inprocess

from envkit.pipeline.build import BuildOptions, plan_build
from envkit.pipeline.progress import PlainReporter, RichReporter, SilentReporter, reporter_for
from envkit.profile import load_profile as _load_profile
from envkit.recipe.layers import base_tag as _base_tag

from .conftest import FakeEngine

BASE_LOCAL = _base_tag(_load_profile("local"))


def _build(store: Path, *extra: str):  # type: ignore[no-untyped-def]
    return run_inprocess(*["build", "--site", "local", "--engine", "fake", "--store", str(store), *extra])


def test_json_then_quiet_then_plain(tmp_path: Path, fake_engine: type[FakeEngine]) -> None:
    first = _build(tmp_path, "--json")
    assert first.code == 0, first.output
    data = json.loads(first.output)
    assert [(x["tag"], x["status"]) for x in data["layers"]] == [(BASE_LOCAL, "built"),
                                                                  ("envkit-local", "built")]
    assert Path(data["layers"][0]["log"]).is_file()
    assert _build(tmp_path, "--quiet").output == ""
    plain = _build(tmp_path).output
    assert f"base: {BASE_LOCAL} up to date" in plain and "site: envkit-local up to date" in plain


def test_dry_run_json_lists_commands(tmp_path: Path, fake_engine: type[FakeEngine]) -> None:
    result = _build(tmp_path, "--dry-run", "--json")
    data = json.loads(result.output)
    assert [x["status"] for x in data["layers"]] == ["build", "build"]
    assert any("fake-build" in line for line in data["commands"])


def test_engine_failure_is_one_line_error(tmp_path: Path, fake_engine: type[FakeEngine]) -> None:
    fake_engine.fail_on = {BASE_LOCAL}
    result = _build(tmp_path, "--quiet")
    assert result.code != 0 and f"fake build of {BASE_LOCAL} failed" in result.output


def test_reporters(tmp_path: Path, fake_engine: type[FakeEngine]) -> None:
    assert isinstance(reporter_for(quiet=True, as_json=False), SilentReporter)
    assert isinstance(reporter_for(quiet=False, as_json=True), SilentReporter)
    stream = io.StringIO()
    plan = plan_build(BuildOptions(site="local", engine="fake", store=tmp_path))
    reporter = PlainReporter(stream)
    reporter.start(plan)
    reporter.layer_start(plan.layers[0])
    reporter.line("compiler noise stays in the log")
    reporter.line("envkit-step: 3/4 Python packages (torch and the rest, locked)")
    reporter.line("$ debootstrap --variant=minbase bookworm /store/rootfs/bookworm http://deb.example/debian")
    plan.layers[0].status = "built"
    reporter.layer_done(plan.layers[0])
    text = stream.getvalue()
    assert f"building {BASE_LOCAL} (never built); about 2 min (estimate: measured on 2 cores)" in text
    assert "noise" not in text and "base: 3/4 Python packages (torch and the rest, locked) [0 s]" in text
    assert "base: debootstrap [0 s]" in text
    rich = RichReporter()
    rich.console.file = io.StringIO()
    rich.start(plan)
    rich.layer_start(plan.layers[0])
    plan.layers[0].status = "building"
    rich.line("step 1/3")
    rendered = rich._render()
    rich.finish(plan)
    assert rendered is not None

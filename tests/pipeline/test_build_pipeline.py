"""The build pipeline with a fake engine: cache keys, no-op speed, partial rebuilds, failures, locks.

No container engine runs here; tests/pipeline/test_charliecloud_real.py does the same with Charliecloud.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from envkit.errors import EnvkitError
from envkit.pipeline.build import BuildOptions, plan_build, run_build
from envkit.profile import load_profile as _load_profile
from envkit.recipe.layers import base_tag as _base_tag
from envkit.store.cache import read_record

from .conftest import REPO, FakeEngine, write_tweaked_local

BASE_LOCAL = _base_tag(_load_profile("local"))


def _opts(store: Path, **kw) -> BuildOptions:  # type: ignore[no-untyped-def]
    return BuildOptions(**{"site": "local", "engine": "fake", "store": store, **kw})


def test_first_build_builds_base_then_site(tmp_path: Path, fake_engine: type[FakeEngine]) -> None:
    plan = run_build(_opts(tmp_path))
    assert fake_engine.builds == [BASE_LOCAL, "envkit-local"]
    assert [lp.status for lp in plan.layers] == ["built", "built"]
    for lp in plan.layers:
        record = read_record(lp.paths.record)
        assert record is not None and record["key"] == lp.key
        assert lp.paths.manifest.is_file()
        assert not list(lp.paths.root.glob(f"{lp.layer.tag}.tmp-*"))


def test_sites_with_equal_base_inputs_share_one_base_image(tmp_path: Path, fake_engine: type[FakeEngine]) -> None:
    # local-slurm differs from local only in scheduler and launcher: its base is local's, built once.
    run_build(_opts(tmp_path))
    fake_engine.builds.clear()
    plan = run_build(_opts(tmp_path, site="local-slurm"))
    assert fake_engine.builds == ["envkit-local-slurm"]
    assert [(lp.layer.tag, lp.status) for lp in plan.layers] == [(BASE_LOCAL, "up to date"),
                                                                 ("envkit-local-slurm", "built")]
    # local-mpich's base installs MPICH instead of Open MPI: another image.
    fake_engine.builds.clear()
    run_build(_opts(tmp_path, site="local-mpich"))
    assert fake_engine.builds[0] != BASE_LOCAL and fake_engine.builds[1:] == ["envkit-local-mpich"]


def test_noop_build_calls_no_engine_and_is_fast(tmp_path: Path, fake_engine: type[FakeEngine],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    run_build(_opts(tmp_path))

    def boom(*_a, **_k):  # type: ignore[no-untyped-def]
        raise AssertionError("the engine was called for an up-to-date image")

    monkeypatch.setattr(FakeEngine, "build", boom)
    monkeypatch.setattr(FakeEngine, "inspect", boom)
    started = time.monotonic()
    plan = run_build(_opts(tmp_path))
    assert time.monotonic() - started < 1.5
    assert [lp.status for lp in plan.layers] == ["up to date", "up to date"]


def test_defaults_env_change_rebuilds_only_the_site_layer(tmp_path: Path, fake_engine: type[FakeEngine],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVKIT_PROFILE_PATH", str(write_tweaked_local(tmp_path / "p", {"ENVKIT_TWEAK": "a"})))
    run_build(_opts(tmp_path / "store"))
    fake_engine.builds.clear()
    write_tweaked_local(tmp_path / "p", {"ENVKIT_TWEAK": "b"})
    plan = run_build(_opts(tmp_path / "store"))
    assert fake_engine.builds == ["envkit-local"]
    assert [lp.status for lp in plan.layers] == ["up to date", "built"]


def test_rebuild_flag_rebuilds_every_layer(tmp_path: Path, fake_engine: type[FakeEngine]) -> None:
    run_build(_opts(tmp_path))
    fake_engine.builds.clear()
    run_build(_opts(tmp_path, rebuild=True))
    assert fake_engine.builds == [BASE_LOCAL, "envkit-local"]


def test_recipe_change_in_base_rebuilds_both(tmp_path: Path, fake_engine: type[FakeEngine],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    store = tmp_path / "store"
    run_build(_opts(store))
    fake_engine.builds.clear()
    # An admin's copy of the base install script (in $ENVKIT_HOME, searched first) adds one step.
    mine = tmp_path / "home" / "recipes" / "scripts" / "base.post.sh.j2"
    mine.parent.mkdir(parents=True)
    shipped = (REPO / "recipes" / "scripts" / "base.post.sh.j2").read_text()
    mine.write_text(shipped.replace("set -eu\n", "set -eu\ntouch /etc/admin-step\n", 1))
    monkeypatch.setenv("ENVKIT_HOME", str(tmp_path / "home"))
    plan = run_build(_opts(store))
    assert "touch /etc/admin-step" in plan.layers[0].layer.post
    changed = plan.layers[0].layer.tag   # a base that installs something else is another image
    assert changed != BASE_LOCAL and fake_engine.builds == [changed, "envkit-local"]   # the site's parent changed
    assert [lp.reason for lp in plan.layers] == ["never built", "inputs changed"]  # the parent key is an input
    fake_engine.builds.clear()
    run_build(_opts(store))
    assert fake_engine.builds == []


def test_failed_build_keeps_previous_image_and_record(tmp_path: Path, fake_engine: type[FakeEngine],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVKIT_PROFILE_PATH", str(write_tweaked_local(tmp_path / "p", {"ENVKIT_TWEAK": "a"})))
    first = run_build(_opts(tmp_path / "store"))
    old_key = first.top.key
    write_tweaked_local(tmp_path / "p", {"ENVKIT_TWEAK": "b"})
    fake_engine.fail_on = {"envkit-local"}
    with pytest.raises(EnvkitError, match="fake build"):
        run_build(_opts(tmp_path / "store"))
    record = read_record(first.top.paths.record)
    assert record is not None and record["key"] == old_key
    assert (Path(first.top.image) / "facts.json").is_file()
    assert not list(first.top.paths.root.glob("envkit-local.tmp-*"))
    fake_engine.fail_on = set()
    assert run_build(_opts(tmp_path / "store")).top.status == "built"


def test_stale_temporary_images_are_removed(tmp_path: Path, fake_engine: type[FakeEngine]) -> None:
    plan = plan_build(_opts(tmp_path))
    stale = plan.root / f"{BASE_LOCAL}.tmp-deadbeef"
    stale.mkdir(parents=True)
    run_build(_opts(tmp_path))
    assert not stale.exists()


def test_two_builds_at_once_build_each_layer_once(tmp_path: Path, fake_engine: type[FakeEngine]) -> None:
    fake_engine.delay = 0.3
    errors: list[BaseException] = []

    def go() -> None:
        try:
            run_build(_opts(tmp_path))
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=go) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(fake_engine.builds) == [BASE_LOCAL, "envkit-local"]


def test_layer_and_workload_options(tmp_path: Path, fake_engine: type[FakeEngine]) -> None:
    assert [lp.layer.kind for lp in plan_build(_opts(tmp_path, layer="base")).layers] == ["base"]
    with pytest.raises(EnvkitError, match="--workload"):
        plan_build(_opts(tmp_path, layer="workload"))
    with pytest.raises(EnvkitError, match="--layer"):
        plan_build(_opts(tmp_path, layer="nope"))


def test_unknown_or_missing_engine_is_one_line_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(EnvkitError, match="unknown engine"):
        plan_build(_opts(tmp_path, engine="docker"))
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(EnvkitError, match="not found on PATH .*install"):
        plan_build(BuildOptions(site="hal", store=tmp_path))

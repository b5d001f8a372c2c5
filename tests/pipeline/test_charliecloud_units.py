"""Charliecloud engine pieces without running it: argv, staging, pip settings, debootstrap sources."""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from envkit.engines.base import BuildRequest
from envkit.engines.charliecloud import Charliecloud
from envkit.engines.dockerfile.chmeta import scrub_build_args
from envkit.engines.dockerfile.context import stage_context
from envkit.engines.dockerfile.debootstrap import (
    apt_sources,
    debian_suite,
    image_sources_list,
    mirror_for,
    parse_deb822,
    parse_one_line,
)
from envkit.engines.dockerfile.fakeroot import BASH_ENV_SCRIPT
from envkit.engines.dockerfile.pipconf import parse_config_list, stage_pip
from envkit.engines.dockerfile.staging import BuildExtras, sweep_staging
from envkit.errors import EnvkitError
from envkit.profile import load_profile
from envkit.profile import load_profile as _load_profile
from envkit.recipe.formats import render_dockerfile, render_layer
from envkit.recipe.goldens import shipped_sites
from envkit.recipe.layers import base_layer, site_layer, workload_layer
from envkit.recipe.layers import base_tag as _base_tag
from envkit.store.cache import layer_key
from envkit.store.filelock import FileLock
from envkit.store.swap import promote, recover

BASE_LOCAL = _base_tag(_load_profile("local"))


def test_exec_argv_clears_host_env_before_loading_image_env() -> None:
    argv = Charliecloud().exec_argv("/s/img/envkit-local", ["python3", "-c", "print(1)"], binds=["/data:/data"],
                                    env=[("A", "1")])
    assert argv == ["ch-run", "--unset-env=*", "--set-env", "-b", "/data:/data", "--set-env=A=1",
                    "/s/img/envkit-local", "--", "python3", "-c", "print(1)"]


def test_key_ignores_labels_and_comments_only() -> None:
    engine = Charliecloud()
    layer = site_layer(load_profile("local"))
    relabelled = replace(layer, labels=(("org.envkit.site", "other"),))
    changed = replace(layer, environment=(*layer.environment, ("A", "2")))
    key = lambda lay: layer_key(engine.key_files(lay, render_layer(lay, "docker", "local")),  # noqa: E731
                              parent_key="", engine="charliecloud 0.31")
    assert key(layer) == key(relabelled) != key(changed)


@pytest.mark.parametrize("site", shipped_sites())
def test_key_form_is_the_rendered_dockerfile_less_comments_and_labels(site: str) -> None:
    """The key is rendered from the layer's data; it equals the line filter envkit used before, so images
    built before this change keep their keys (no rebuild)."""
    profile = load_profile(site)
    for layer in (base_layer(profile), site_layer(profile), workload_layer(profile, "aigw")):
        full = render_layer(layer, "docker", site)["Dockerfile"]
        filtered = "".join(line for line in full.splitlines(keepends=True)
                           if not line.lstrip().startswith(("#", "LABEL ")))
        assert Charliecloud().key_files(layer, {"Dockerfile": full})["Dockerfile"] == filtered


def test_build_args_are_declared_after_from_by_the_template() -> None:
    layer = site_layer(load_profile("local"))
    out = render_dockerfile(layer, "local", build_args=["PIP_CERT", "BASH_ENV"]).splitlines()
    at = out.index(f"FROM {BASE_LOCAL}")
    assert out[at + 1:at + 3] == ["ARG PIP_CERT", "ARG BASH_ENV"]
    assert [line for line in out if not line.startswith("ARG ")] == \
        render_layer(layer, "docker", "local")["Dockerfile"].splitlines()
    with pytest.raises(EnvkitError, match="not a valid variable"):
        render_dockerfile(layer, "local", build_args=["A;rm -rf /"])


def _req(tmp_path: Path, layer) -> BuildRequest:  # type: ignore[no-untyped-def]
    return BuildRequest(layer=layer, files=render_layer(layer, "docker", "local"), site="local", root=tmp_path,
                        tmp_name=f"{layer.tag}.tmp-1", log=tmp_path / "log")


def test_stage_context_copies_only_what_the_layer_names(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    layer = workload_layer(load_profile("local"), "resnet50")
    site_req = _req(tmp_path, site_layer(load_profile("local")))
    tree = tmp_path / "tree"          # an envkit tree with a venv and caches that must not be copied
    for rel in ("pyproject.toml", "README.md", "envkit/__init__.py", "envkit/__pycache__/x.pyc",
                "workloads/resnet50/workload.yaml", ".venv/bin/python", "site-profiles/local.yaml"):
        (tree / rel).parent.mkdir(parents=True, exist_ok=True)
        (tree / rel).write_text("x")
    monkeypatch.setenv("ENVKIT_HOME", str(tree))  # searched before the shipped tree
    ctx = stage_context(tmp_path / "ctx", _req(tmp_path, layer), ["PIP_CERT"])
    names = sorted(p.name for p in ctx.iterdir())
    assert names == sorted(["Dockerfile", layer.script_name, layer.test_name, "envkit", "pyproject.toml",
                            "README.md", "workloads"])
    assert not list(ctx.rglob("__pycache__")) and not (ctx / ".venv").exists()
    assert "ARG PIP_CERT" in (ctx / "Dockerfile").read_text()
    site = stage_context(tmp_path / "ctx-site", site_req, [])
    assert sorted(p.name for p in site.iterdir()) == ["Dockerfile", "envkit-local.post.sh", "envkit-local.test.sh"]


def test_build_commands_for_a_fresh_base(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    engine = Charliecloud()
    monkeypatch.setattr(Charliecloud, "ch_image", lambda self: ["ch-image"])
    cmds = engine.build_commands(_req(tmp_path, base_layer(load_profile("local"))))
    labels = [c.label for c in cmds]
    assert labels == ["clean rootfs", "debootstrap", "apt sources", "tar rootfs", "ch-image import", "clean rootfs",
                      "ch-image build"]
    deb = cmds[1].argv
    assert deb[:3] == ["debootstrap", "--variant=minbase", "bookworm"] and deb[4] == mirror_for(
        "bookworm", apt_sources()).uri
    assert cmds[4].argv[-2:] == [str(tmp_path / "rootfs" / "bookworm.tar"), "debian:bookworm"]
    build = cmds[-1].argv
    assert build[:5] == ["ch-image", "-s", str(tmp_path / "storage"), "--no-cache", "build"]
    assert build[5:9] == ["--force", "-t", f"{BASE_LOCAL}.tmp-1", "-f"]
    # once the base image exists in the storage, nothing is debootstrapped again
    (tmp_path / "storage" / "img" / "debian+bookworm" / "ch").mkdir(parents=True)
    assert [c.label for c in engine.build_commands(_req(tmp_path, base_layer(load_profile("local"))))] == \
        ["ch-image build"]


def test_scrub_build_args_removes_host_settings(tmp_path: Path) -> None:
    engine = Charliecloud()
    meta = engine.image_path(tmp_path, "x") / "ch" / "metadata.json"
    meta.parent.mkdir(parents=True)
    meta.write_text(json.dumps({"arg": {"PATH": "/bin", "PIP_CERT": "/tmp/c", "BASH_ENV": "/tmp/b"}, "env": {}}))
    scrub_build_args(engine.image_path(tmp_path, "x"))
    assert json.loads(meta.read_text())["arg"] == {"PATH": "/bin"}


def test_bash_env_wraps_apt_in_fakeroot() -> None:
    assert 'apt-get() { fakeroot apt-get "$@"; }' in BASH_ENV_SCRIPT
    assert "APT::Sandbox::User" in BASH_ENV_SCRIPT


def test_pip_config_precedence() -> None:
    text = "global.find-links='/a'\n:env:.find-links='/b'\nuser.cert='/c'\nglobal.cert='/d'\n"
    assert parse_config_list(text) == {"find-links": "/b", "cert": "/c"}


def test_stage_pip_binds_folders_and_copies_files(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    index = tmp_path / "pypi" / "simple"
    index.mkdir(parents=True)
    wheels.mkdir()
    cert = tmp_path / "ca.crt"
    cert.write_text("CERT")
    staged = stage_pip({"find-links": str(wheels), "extra-index-url": f"file://{index} https://example.org/simple",
                        "cert": str(cert), "default-timeout": "60"}, folder=tmp_path / "stage")
    stage = tmp_path / "stage"
    assert staged.args["PIP_DEFAULT_TIMEOUT"] == "60"
    assert Path(staged.args["PIP_CERT"]).read_text() == "CERT" and staged.args["PIP_CERT"].startswith(str(stage))
    assert staged.args["PIP_FIND_LINKS"] == str(stage / "b0")
    assert staged.args["PIP_EXTRA_INDEX_URL"] == f"file://{stage}/b1/simple https://example.org/simple"
    assert staged.binds == [f"{wheels}:{stage}/b0", f"{tmp_path / 'pypi'}:{stage}/b1"]


def test_apt_sources_parsing() -> None:
    deb822 = ("Types: deb\nURIs: http://m.example/debian\nSuites: bookworm bookworm-updates\nComponents: main\n\n"
              "Types: deb-src\nURIs: http://src.example\nSuites: bookworm\n\n"
              "Types: deb\nURIs: http://s.example/debian-security\nSuites: bookworm-security\nComponents: main\n")
    sources = parse_deb822(deb822)
    assert [s.uri for s in sources] == ["http://m.example/debian", "http://s.example/debian-security"]
    assert mirror_for("bookworm", sources).uri == "http://m.example/debian"
    assert image_sources_list("bookworm", sources).splitlines() == [
        "deb http://m.example/debian bookworm main", "deb http://m.example/debian bookworm-updates main",
        "deb http://s.example/debian-security bookworm-security main"]
    one = parse_one_line("# x\ndeb [arch=amd64 signed-by=/k.gpg] http://o.example/debian bookworm main contrib\n")
    assert one[0].uri == "http://o.example/debian" and one[0].components == ("main", "contrib")
    with pytest.raises(EnvkitError, match="trixie"):
        mirror_for("trixie", sources)
    assert debian_suite("debian:bookworm") == "bookworm" and debian_suite("nvidia/cuda:12.4.1") is None


def test_promote_and_recover(tmp_path: Path) -> None:
    (tmp_path / "img").mkdir()
    (tmp_path / "img" / "v").write_text("old")
    (tmp_path / "new").mkdir()
    (tmp_path / "new" / "v").write_text("new")
    promote(tmp_path / "new", tmp_path / "img")
    assert (tmp_path / "img" / "v").read_text() == "new" and not (tmp_path / "new").exists()
    # the fallback's middle state (old moved aside, new not yet in) is undone by recover()
    (tmp_path / "img").rename(tmp_path / "img.old")
    recover(tmp_path / "img")
    assert (tmp_path / "img" / "v").read_text() == "new"


def test_file_lock_excludes_a_second_holder(tmp_path: Path) -> None:
    with FileLock(tmp_path / "a.lock"):
        with pytest.raises(EnvkitError, match="timed out"):
            FileLock(tmp_path / "a.lock", timeout=0.3).acquire()
    with FileLock(tmp_path / "a.lock", timeout=0.3):
        pass


def test_sweep_staging_removes_only_dead_builds(tmp_path: Path) -> None:
    import os
    import subprocess

    dead = subprocess.Popen(["true"])
    dead.wait()
    (tmp_path / f"envkit-build-{dead.pid}-abc").mkdir()
    (tmp_path / f"envkit-build-{os.getpid()}-def").mkdir()
    sweep_staging(tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == [f"envkit-build-{os.getpid()}-def"]


def test_jobs_and_bash_env_become_build_args(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("envkit.engines.dockerfile.pipconf.host_pip_settings",
                        lambda python=None: {"default-timeout": "9"})
    monkeypatch.setattr("envkit.engines.dockerfile.pipconf.SHARED_TMP", str(tmp_path))
    req = _req(tmp_path, site_layer(load_profile("local")))
    req.jobs = 3
    staged = BuildExtras.make(req)
    try:
        assert staged.args["MAKEFLAGS"] == "-j3" and staged.args["CMAKE_BUILD_PARALLEL_LEVEL"] == "3"
        assert staged.args["PIP_DEFAULT_TIMEOUT"] == "9"
        assert Path(staged.args["BASH_ENV"]).read_text() == BASH_ENV_SCRIPT
        assert staged.folder is not None and staged.folder.parent == tmp_path
    finally:
        staged.cleanup()
    assert not list(tmp_path.glob("envkit-build-*"))


@pytest.mark.skipif(shutil.which("hardlink") is None, reason="util-linux hardlink not installed")
def test_a_layer_shares_unchanged_files_with_its_parent(tmp_path: Path) -> None:
    engine = Charliecloud()
    parent, child = engine.image_path(tmp_path, "envkit-local"), engine.image_path(tmp_path, "envkit-local-aigw.tmp-1")
    for image in (parent, child):
        (image / "usr/lib").mkdir(parents=True)
        (image / "usr/lib/torch.so").write_bytes(b"\x7fELF torch" * 1000)
        os.utime(image / "usr/lib/torch.so", (1_700_000_000, 1_700_000_000))
    (parent / "etc").mkdir()
    (child / "etc").mkdir()
    (parent / "etc/changed").write_text("parent")
    (child / "etc/changed").write_text("child")
    log = tmp_path / "build.log"
    engine.share_with_parent(tmp_path, "envkit-local-aigw.tmp-1", "envkit-local", log)
    assert (child / "usr/lib/torch.so").stat().st_ino == (parent / "usr/lib/torch.so").stat().st_ino
    assert (child / "etc/changed").read_text() == "child"
    assert (child / "etc/changed").stat().st_ino != (parent / "etc/changed").stat().st_ino
    assert "hardlink" in log.read_text()


def test_ch_image_runs_under_a_python_that_has_lark_and_requests(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from envkit.engines.charliecloud import _python_with_lark

    venv, system = tmp_path / "venv", tmp_path / "usr-bin"
    venv.mkdir()
    system.mkdir()
    # a venv python3 with lark but no requests (exit 1 on the import check), the system one with both
    (venv / "python3").write_text("#!/bin/sh\nexit 1\n")
    (system / "python3").write_text("#!/bin/sh\nexit 0\n")
    (system / "ch-image").write_text("#!/bin/sh\n")
    for f in (venv / "python3", system / "python3", system / "ch-image"):
        f.chmod(0o755)
    monkeypatch.delenv("ENVKIT_CH_PYTHON", raising=False)
    monkeypatch.setenv("PATH", f"{venv}:/usr/bin:/bin")
    assert _python_with_lark(system / "ch-image") == str(system / "python3")

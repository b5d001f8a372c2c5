"""A base whose venv holds nothing MPI-specific reuses the venv of a base with the same key (envkit.recipe.venv_reuse):
which bases get a key, which built base the Charliecloud engine picks as the donor, and what the build binds.
The real builds (`local` then `local-mpich`, the venv's files shared) are in tests/pipeline/test_venv_reuse_real.py."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from envkit.engines.base import BuildRequest
from envkit.engines.charliecloud import Charliecloud
from envkit.engines.dockerfile.staging import DONOR_ARG, BuildExtras
from envkit.paths import VENV
from envkit.profile import load_profile
from envkit.recipe.formats import render_layer
from envkit.recipe.layers import base_layer
from envkit.store.paths import engine_lock


def _request(tmp_path: Path, site: str) -> BuildRequest:
    layer = base_layer(load_profile(site))
    return BuildRequest(layer=layer, files=render_layer(layer, "docker", site), site=site, root=tmp_path,
                        tmp_name=f"{layer.tag}.tmp-1", log=tmp_path / "log")


def _built_base(tmp_path: Path, name: str, key: str, python: bool = True) -> Path:
    """A fake built image in the engine's storage: its manifest's venv key and (optionally) a venv python."""
    opt = Charliecloud().image_path(tmp_path, name) / "opt" / "envkit"
    (opt / "manifest").mkdir(parents=True)
    (opt / "manifest" / "venv-key.txt").write_text(key + "\n")
    if python:
        (opt / "venv" / "bin").mkdir(parents=True)
        (opt / "venv" / "bin" / "python").write_text("")
    return opt


def test_bases_that_differ_only_in_mpi_share_the_key_and_others_do_not() -> None:
    local, mpich = base_layer(load_profile("local")), base_layer(load_profile("local-mpich"))
    assert local.tag != mpich.tag and local.facts.venv_key == mpich.facts.venv_key
    assert local.facts.venv_key is not None and len(local.facts.venv_key) == 64
    # mpi4py compiled against the image's MPI (hal) or a conda Python: the venv is the site's own, no key
    assert base_layer(load_profile("hal")).facts.venv_key is None
    assert base_layer(load_profile("frontier")).facts.venv_key is None


def test_the_script_writes_the_key_and_checks_a_bound_venv_without_installing() -> None:
    layer = base_layer(load_profile("local-mpich"))
    assert f"printf '%s\\n' {layer.facts.venv_key} > /opt/envkit/manifest/venv-key.txt" in layer.post
    assert "install --dry-run --no-index --require-hashes --no-deps --report" in layer.post
    assert "export PYTHONDONTWRITEBYTECODE=1" in layer.post
    assert "venv-key" not in base_layer(load_profile("hal")).post


def test_the_donor_is_a_finished_base_with_the_same_key(tmp_path: Path) -> None:
    req = _request(tmp_path, "local-mpich")
    key = req.layer.facts.venv_key
    assert key is not None
    assert Charliecloud().venv_donor(req) is None                       # an empty storage: install
    _built_base(tmp_path, "envkit-other", "0" * 64)                    # another key
    _built_base(tmp_path, "envkit-half.tmp-ab12", key)                 # a build that did not finish
    _built_base(tmp_path, "envkit-novenv", key, python=False)          # no venv to reuse
    assert Charliecloud().venv_donor(req) is None
    donor = _built_base(tmp_path, "envkit-base-x86_64-cpu-aaaa", key)
    assert Charliecloud().venv_donor(req) == donor
    assert Charliecloud().venv_donor(replace(req, rebuild=True)) is None   # --rebuild installs again


def test_only_a_base_looks_for_a_donor(tmp_path: Path) -> None:
    from envkit.recipe.layers import site_layer

    layer = site_layer(load_profile("local"))
    req = BuildRequest(layer=layer, files=render_layer(layer, "docker", "local"), site="local", root=tmp_path,
                       tmp_name="envkit-local.tmp-1", log=tmp_path / "log")
    assert Charliecloud().venv_donor(req) is None


@pytest.mark.parametrize("donor", [True, False])
def test_the_build_binds_the_donor_and_its_venv_at_the_venv_path(tmp_path: Path, donor: bool) -> None:
    req = _request(tmp_path, "local-mpich")
    opt = _built_base(tmp_path, "envkit-base-x86_64-cpu-aaaa", req.layer.facts.venv_key or "") if donor else None
    staged = BuildExtras.make(req, venv_donor=opt)
    try:
        argv = Charliecloud().build_commands(req, staged)[-1].argv
        binds = [argv[i + 1] for i, word in enumerate(argv) if word == "-b"]
        if opt is None:
            assert DONOR_ARG not in staged.args and not any(b.endswith(f":{VENV}") for b in binds)
        else:
            assert f"{opt}:{staged.args[DONOR_ARG]}" in binds and f"{opt / 'venv'}:{VENV}" in binds
            assert f"{DONOR_ARG}={staged.args[DONOR_ARG]}" in argv
    finally:
        staged.cleanup()


def test_the_donor_is_looked_for_under_the_engine_lock(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two builds at once (CI's cluster group builds local-mpich beside the serial group's local): the donor is
    looked for only once this build holds the store's engine lock, when the other base has finished; looked for
    before, it was not yet there and the second base installed its venv again."""
    import fcntl

    class Looked(Exception):
        pass

    held: list[bool] = []

    def donor_seen_with_the_lock(self: Charliecloud, req: BuildRequest) -> None:
        with engine_lock(tmp_path).open("a") as other:
            try:
                fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
                held.append(False)
            except BlockingIOError:
                held.append(True)
        raise Looked

    monkeypatch.setattr(Charliecloud, "require", lambda self: None)
    monkeypatch.setattr(Charliecloud, "venv_donor", donor_seen_with_the_lock)
    with pytest.raises(Looked):
        Charliecloud().build(_request(tmp_path, "local-mpich"))
    assert held == [True]

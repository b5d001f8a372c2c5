"""The committed locks: fresh against profiles, bases and workloads; the rendered definitions install from them.

Fast: no network, no engine. A stale lock fails `test_committed_locks_are_fresh` (and `envkit build` refuses it).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from envkit.errors import EnvkitError
from envkit.lock.files import load_site_lock, stale_layers
from envkit.pipeline.build import BuildOptions, plan_build
from envkit.profile import load_profile
from envkit.recipe.goldens import shipped_sites

REPO = Path(__file__).resolve().parents[2]
CONTAINERS = REPO / "containers"


@pytest.mark.parametrize("site", shipped_sites())
def test_committed_locks_are_fresh(site: str) -> None:
    assert stale_layers(load_profile(site)) == [], f"run `envkit lock --site {site}` and commit containers/{site}/locks"


def _post_scripts(site: str) -> dict[str, str]:
    return {p.parent.name: p.read_text() for p in sorted((CONTAINERS / site / "docker").glob("*/*.post.sh"))}


def _install_lines(script: str, tool: str) -> list[str]:
    return [line for line in script.splitlines() if re.search(rf"\b{tool} (install|download)\b", line)
            and not line.lstrip().startswith("#")]


@pytest.mark.parametrize("site", shipped_sites())
def test_every_python_install_of_a_resolved_site_checks_hashes(site: str) -> None:
    lock = load_site_lock(site)
    assert lock is not None
    for layer, script in _post_scripts(site).items():
        if layer == "site":
            continue
        # the Horovod layer installs Horovod's sdist, locked in the base layer's lock (locks/horovod.txt)
        locked = lock.layers["base" if layer in ("base", "horovod") else layer]
        lines = _install_lines(script, "pip")
        if not locked.resolved:   # ppc64le / conda: said in the recipe, and a build refuses it
            assert "# NOT LOCKED: " in script and locked.why
            continue
        assert lines, layer
        for line in lines:
            # envkit itself (its dependencies locked), Horovod from its sdist (downloaded with --require-hashes)
            local_source = line.rstrip().endswith(("/opt/envkit/src", " .)"))
            assert "--no-deps" in line and (local_source or ("--require-hashes" in line and " -r " in line)), line
        # every locked package is in the script, with every hash the lock holds
        for package in ([] if layer == "horovod" else locked.packages.values()):
            assert package.requirement() in script, f"{layer}: {package.name}"


@pytest.mark.parametrize("site", shipped_sites())
def test_every_apt_package_has_a_version_or_says_why_not(site: str) -> None:
    lock = load_site_lock(site)
    assert lock is not None
    script = _post_scripts(site)["base"]
    (line,) = [x for x in _install_lines(script, "apt-get") if re.search(r"\binstall\b.* -y\b", x)]
    words = [w.strip("'") for w in line.split("--no-install-recommends", 1)[1].split()]
    if lock.layers["base"].apt:
        assert words and all(re.fullmatch(r"[a-z0-9.+-]+=[A-Za-z0-9.+:~-]+", w) for w in words), words
    else:
        assert "# apt versions not locked: " in script


def test_local_lock_records_where_packages_came_from() -> None:
    lock = load_site_lock("local")
    assert lock is not None
    base = lock.layers["base"]
    assert base.resolved and base.source["suite"] == "bookworm" and base.source["index_date"]
    assert base.source["python_index"] == "https://pypi.org/simple"
    assert lock.meta["resolver"].startswith("uv ")
    assert base.packages["torch"].version == "2.14.1" and len(base.packages["torch"].hashes) == 1


def _copy_home(tmp: Path) -> Path:
    home = tmp / "home"
    for name in ("site-profiles", "bases", "recipes", "workloads", "pyproject.toml", "README.md"):
        src = REPO / name
        (shutil.copytree if src.is_dir() else shutil.copy2)(src, home / name)
    shutil.copytree(CONTAINERS / "local" / "locks", home / "containers" / "local" / "locks")
    return home


def test_a_changed_input_makes_the_lock_stale_and_build_refuses(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    home = _copy_home(tmp_path)
    monkeypatch.setenv("ENVKIT_HOME", str(home))
    assert stale_layers(load_profile("local")) == []
    spec = home / "workloads" / "aigw" / "workload.yaml"
    spec.write_text(spec.read_text().replace("    - scipy\n", "    - scipy\n    - tqdm\n"))
    assert stale_layers(load_profile("local")) == ["workload-aigw: inputs changed since the lock was written"]
    with pytest.raises(EnvkitError) as err:
        plan_build(BuildOptions(site="local", workload="aigw", engine="charliecloud", store=tmp_path / "s"))
    message = str(err.value)
    assert "\n" not in message and "`envkit lock --site local` fixes it" in message and "workload-aigw" in message
    # the base and the other workloads are still locked: building them is not refused for aigw's sake
    plan_build(BuildOptions(site="local", workload="resnet50", engine="charliecloud", store=tmp_path / "s",
                            dry_run=True))


def test_a_site_without_a_lock_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"  # an admin's own site, in $ENVKIT_HOME, that was never locked
    (home / "site-profiles").mkdir(parents=True)
    text = (REPO / "site-profiles" / "local.yaml").read_text().replace("name: local\n", "name: mysite\n", 1)
    (home / "site-profiles" / "mysite.yaml").write_text(text)
    monkeypatch.setenv("ENVKIT_HOME", str(home))
    with pytest.raises(EnvkitError, match=r"base: no lock\); `envkit lock --site mysite` fixes it"):
        plan_build(BuildOptions(site="mysite", engine="charliecloud", store=tmp_path / "s"))


def test_an_unresolved_lock_says_why_in_the_lock_and_the_recipe() -> None:
    lock = load_site_lock("summit")
    assert lock is not None and not lock.layers["base"].resolved and "conda-forge" in lock.layers["base"].why
    definition = (CONTAINERS / "summit" / "base.def").read_text()
    assert "# NOT LOCKED: torch comes from conda channel conda-forge" in definition

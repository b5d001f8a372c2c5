"""Plugins: a package from the test tree (tests/plugins/envkit-ibrunlike, the README's example) adds a launcher
through the `envkit.launchers` entry point, without touching envkit; it appears in profile validation,
`envkit run --dry-run`, `envkit submit --dry-run` and `envkit docs`. A broken or clashing plugin is one line."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys
from pathlib import Path

import pytest
from envkit_cli import REPO, envkit_process

from envkit.errors import EnvkitError
from envkit.launchers.srun import Srun
from envkit.registry import Registry

PLUGIN = REPO / "tests" / "plugins" / "envkit-ibrunlike"


@pytest.fixture(scope="module")
def plugin_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The plugin installed by pip (its dist-info carries the entry point) into a folder put on PYTHONPATH."""
    target = tmp_path_factory.mktemp("plugin-target")
    proc = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
                           "--no-index", "--target", str(target), str(PLUGIN)], capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert list(target.glob("envkit_ibrunlike-*.dist-info/entry_points.txt"))
    return target


def _envkit(plugin: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return envkit_process(*args, env={"PYTHONPATH": f"{plugin}:{REPO}"}, timeout=120)


def _site(tmp_path: Path) -> Path:
    site = tmp_path / "delta-ibrun.yaml"
    site.write_text("name: delta-ibrun\nextends: delta\nlauncher:\n  kind: ibrunlike\n"
                    "  source: '[check] an ibrun-style launcher from a plugin'\n")
    return site


@pytest.mark.slow
def test_a_plugin_launcher_shows_in_validation_run_submit_and_docs(plugin_path: Path, tmp_path: Path) -> None:
    site = str(_site(tmp_path))
    store = str(tmp_path / "store")
    without = envkit_process("site", "validate", site, env={"PYTHONPATH": str(REPO)})
    assert without.returncode == 2 and "launcher.kind" in without.stderr and "'ibrunlike'" in without.stderr
    valid = _envkit(plugin_path, "site", "validate", site)
    assert valid.returncode == 0, valid.stderr
    run = _envkit(plugin_path, "run", "--site", site, "workloads/aigw", "--nodes", "2", "--dry-run", "--store", store)
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("ibrun -n 8 -o 0 apptainer exec --nv "), run.stdout
    submit = _envkit(plugin_path, "submit", "--site", site, "workloads/aigw", "--nodes", "2", "--dry-run",
                     "--store", store)
    assert submit.returncode == 0, submit.stderr
    assert "#SBATCH --nodes=2" in submit.stdout and "\nibrun -n 8 -o 0 apptainer exec " in submit.stdout
    docs = _envkit(plugin_path, "docs", "--site", site)
    assert docs.returncode == 0 and "ibrun -n 1 -o 0 " in docs.stdout, docs.stderr
    bad = tmp_path / "bad.yaml"
    bad.write_text(_site(tmp_path).read_text().replace("extends: delta", "extends: summit"))   # LSF, not Slurm
    refused = _envkit(plugin_path, "site", "validate", str(bad))
    assert refused.returncode == 2 and "launcher.kind ibrunlike needs scheduler.kind: slurm" in refused.stderr


def _registry_with(monkeypatch: pytest.MonkeyPatch, *entries: importlib.metadata.EntryPoint) -> Registry[object]:
    monkeypatch.setattr(importlib.metadata, "entry_points", lambda group: [e for e in entries if e.group == group])
    reg: Registry[object] = Registry("launcher", modules=(), entry_points="envkit.launchers")
    reg.register("srun")(Srun)   # a built-in one
    return reg


def test_entry_points_register_under_their_name(monkeypatch: pytest.MonkeyPatch) -> None:
    ep = importlib.metadata.EntryPoint("mpirun", "envkit.launchers.mpirun:MpirunOpenMpi", "envkit.launchers")
    reg = _registry_with(monkeypatch, ep)
    assert "mpirun" in reg.names() and reg.plugin("mpirun") and reg.plugin("srun") is None


@pytest.mark.parametrize(("value", "message"), [
    ("no_such_module:Thing", "cannot be loaded: ModuleNotFoundError"),
    ("envkit.launchers.jsrun:Jsrun", "names itself 'jsrun'"),
])
def test_a_broken_plugin_is_one_line(monkeypatch: pytest.MonkeyPatch, value: str, message: str) -> None:
    reg = _registry_with(monkeypatch, importlib.metadata.EntryPoint("ibrun", value, "envkit.launchers"))
    with pytest.raises(EnvkitError, match=message):
        reg.names()


class OtherSrun(Srun):
    """A plugin's own launcher that claims a built-in name."""

    name = "srun"


def test_a_plugin_cannot_take_a_builtin_name(monkeypatch: pytest.MonkeyPatch) -> None:
    ep = importlib.metadata.EntryPoint("srun", f"{__name__}:OtherSrun", "envkit.launchers")
    reg = _registry_with(monkeypatch, ep)
    with pytest.raises(EnvkitError, match="uses the name 'srun', which is taken"):
        reg.names()


def test_the_readme_shows_the_plugins_whole_code() -> None:
    readme = (REPO / "README.md").read_text()
    for path in (PLUGIN / "pyproject.toml", PLUGIN / "src" / "envkit_ibrunlike" / "__init__.py"):
        assert path.read_text().rstrip() in readme, f"README lacks {path.relative_to(REPO)} as it is"

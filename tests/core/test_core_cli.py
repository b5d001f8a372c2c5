"""The rest of the CLI and the core: schema, show, extends, base clone, launchers, the CUDA table, import cost."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from envkit_cli import run_envkit, run_inprocess

from envkit.errors import EnvkitError
from envkit.launch import LaunchPlan, launch_argv
from envkit.profile import list_sites, load_profile, profile_hash
from envkit.profile.cuda import (
    MINOR_COMPAT_FLOOR,
    TOOLKIT_DRIVER,
    driver_ok,
    major_minor,
    min_driver,
    version_tuple,
)
from envkit.profile.load import _merge
from envkit.recipe.bases import load_base

from .helpers import BAD_PROFILES, REPO, SHIPPED_SITES

# --- envkit site schema -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    result = run_inprocess("site", "schema")
    assert result.code == 0
    return json.loads(result.out)


def _validator(schema: dict[str, Any]) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(schema)


def test_schema_is_json_schema_of_a_profile(schema: dict[str, Any]) -> None:
    jsonschema.Draft202012Validator.check_schema(schema)  # pydantic emits JSON Schema 2020-12
    assert schema["type"] == "object" and schema["title"] == "Profile"
    assert schema["additionalProperties"] is False
    for key in ("cpu", "gpu", "cuda", "mpi", "interconnect", "scheduler", "launcher", "container", "defaults"):
        assert key in schema["properties"], key
    assert {"name", "cpu", "gpu", "mpi", "launcher", "container"} <= set(schema["required"])
    for name, definition in schema["$defs"].items():
        assert definition["type"] == "object", name
        assert definition.get("additionalProperties") is False, name
    refs = re.findall(r'"\$ref": "#/\$defs/(\w+)"', json.dumps(schema))
    assert refs and set(refs) <= set(schema["$defs"])
    for pattern in re.findall(r'"pattern": ("(?:[^"\\]|\\.)*")', json.dumps(schema)):
        re.compile(json.loads(pattern))


@pytest.mark.parametrize("site", [s for s in SHIPPED_SITES if s not in ("local-slurm", "local-mpich", "local-bind",
                                                                        "local-cluster", "local-cluster-mpich")])
def test_shipped_profiles_conform_to_the_schema(site: str, schema: dict[str, Any]) -> None:
    doc = yaml.safe_load((REPO / "site-profiles" / f"{site}.yaml").read_text())
    errors = [f"{'.'.join(map(str, e.absolute_path))}: {e.message}" for e in _validator(schema).iter_errors(doc)]
    assert errors == []


@pytest.mark.parametrize("stem", ["unknown-top-key", "type-str-for-int", "hostile-env-subst", "type-bad-literal"])
def test_bad_profiles_do_not_conform(stem: str, schema: dict[str, Any]) -> None:
    doc = yaml.safe_load((BAD_PROFILES / f"{stem}.yaml").read_text())
    assert not _validator(schema).is_valid(doc)


def test_schema_error_names_the_key(schema: dict[str, Any]) -> None:
    doc = yaml.safe_load((REPO / "site-profiles" / "hal.yaml").read_text())
    doc["cpu"]["cores_per_node"] = "many"
    (error,) = _validator(schema).iter_errors(doc)
    assert list(error.absolute_path) == ["cpu", "cores_per_node"]


# --- envkit site show / sites -------------------------------------------------------------------


def test_site_show_summit_json() -> None:
    result = run_inprocess("site", "show", "summit", "--json")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert data["name"] == "summit" and data["cpu"]["arch"] == "ppc64le"
    assert data["mpi"]["vendor"] == "spectrum" and data["mpi"]["version"] == "10.4.0.3"
    assert data["launcher"] == {**data["launcher"], "kind": "jsrun", "args": ["--smpiargs=-gpu", "-bpacked:7"]}
    assert data["scheduler"]["kind"] == "lsf"
    assert data["profile_hash"] == profile_hash(load_profile("summit"))
    assert result.out == run_inprocess("site", "show", "summit", "--json").out


def test_site_show_yaml_and_sites_list() -> None:
    shown = run_inprocess("site", "show", "hal")
    assert shown.code == 0 and yaml.safe_load(shown.out)["gpu"]["per_node"] == 4
    sites = run_inprocess("sites")
    assert sites.code == 0 and "INVALID" not in sites.out
    assert [line.split()[0] for line in sites.out.splitlines()] == sorted(SHIPPED_SITES)
    assert sorted(SHIPPED_SITES) == list_sites()


def test_shipped_profiles_validate() -> None:
    files = [str(REPO / "site-profiles" / f"{s}.yaml") for s in SHIPPED_SITES]
    result = run_inprocess("site", "validate", *files)
    assert result.code == 0 and result.err == ""
    assert len(result.out.splitlines()) == len(SHIPPED_SITES)


# --- extends ----------------------------------------------------------------------------------------


def test_local_slurm_extends_local() -> None:
    local, child = load_profile("local"), load_profile("local-slurm")
    assert child.extends == "local" and child.name == "local-slurm"
    assert child.cpu == local.cpu and child.nodes == local.nodes and child.mpi == local.mpi
    assert child.container == local.container and child.defaults == local.defaults
    assert local.scheduler.kind == "none" and child.scheduler.kind == "slurm"
    assert child.scheduler.partition == "debug"
    assert child.launcher.kind == "srun" and child.launcher.args == ["--mpi=pmix"]  # lists replace, not append
    assert child.title != local.title
    assert profile_hash(child) != profile_hash(local)


def test_merge_is_deep_for_mappings_only() -> None:
    parent = {"a": {"x": 1, "y": [1, 2]}, "b": 1}
    child = {"a": {"y": [3]}, "c": 2}
    assert _merge(parent, child) == {"a": {"x": 1, "y": [3]}, "b": 1, "c": 2}
    assert parent == {"a": {"x": 1, "y": [1, 2]}, "b": 1}  # not modified


def test_extends_error_points_into_the_child(tmp_path: Path) -> None:
    child = tmp_path / "mini.yaml"
    child.write_text("name: mini\nextends: local\ncpu:\n  cores_per_node: many\n")
    result = run_inprocess("site", "validate", str(child))
    assert result.code == 2
    assert result.err == f"error: {child}:4: cpu.cores_per_node: expected an integer, got str 'many'\n"
    good = tmp_path / "mini2.yaml"
    good.write_text("name: mini2\nextends: local\ncpu:\n  cores_per_node: 8\n")
    profile = load_profile(str(good))
    assert profile.cpu.cores_per_node == 8 and profile.cpu.model == load_profile("local").cpu.model


# --- envkit base clone / list --------------------------------------------------------------------


def test_base_clone_list_and_render(envkit_home: Path) -> None:
    env = {"ENVKIT_HOME": str(envkit_home)}
    cloned = run_envkit("base", "clone", "ncsa-base", env=env)
    assert cloned.code == 0, cloned.err
    yaml_path = envkit_home / "bases" / "ncsa-base.yaml"
    recipe_path = envkit_home / "recipes" / "scripts" / "ncsa-base.post.sh.j2"
    assert cloned.out == (f"wrote {yaml_path}\nwrote {recipe_path}\n"
                          "point a site at it with `base: ncsa-base` in its profile\n")
    listed = run_envkit("base", "list", env=env)
    assert listed.code == 0
    rows = {line.split()[0]: line for line in listed.out.splitlines()}
    assert set(rows) == {"envkit-base", "ncsa-base"} and "parent=envkit-base" in rows["ncsa-base"]

    # The admin adds a package and a step; a site points at the clone.
    text = yaml_path.read_text().replace("  apt: []", "  apt: [libnuma-dev]").replace("  pip: []", "  pip: [rich]")
    yaml_path.write_text(text)
    recipe = recipe_path.read_text()
    recipe_path.write_text(recipe.replace("# ncsa-base: the admin", "touch /opt/ncsa-marker\n# the admin"))
    profile = (envkit_home / "site-profiles" / "local.yaml").read_text()
    profile = profile.replace("name: local\n", "name: ncsa-local\n").replace("base: envkit-base", "base: ncsa-base")
    (envkit_home / "site-profiles" / "ncsa-local.yaml").write_text(profile)
    rendered = run_envkit("render", "--site", "ncsa-local", "--layer", "base", env=env)
    assert rendered.code == 0, rendered.err
    install = next(line for line in rendered.out.splitlines() if line.startswith("apt-get install"))
    assert "libnuma-dev" in install.split()
    pip = next(line for line in rendered.out.splitlines() if " install --no-cache-dir numpy" in line)
    assert pip.split()[-1] == "rich"
    assert "touch /opt/ncsa-marker" in rendered.out
    assert "org.envkit.base ncsa-base" in rendered.out
    assert "printf '%s\\n' ncsa-base > /opt/envkit/manifest/base-name.txt" in rendered.out

    again = run_envkit("base", "clone", "ncsa-base", env=env)
    assert again.code == 2
    assert again.err == f"error: {yaml_path}: already exists; choose another name or delete it first\n"


@pytest.mark.parametrize("name", ["Bad_Name", "../escape", "-dash", "a/b", "x" * 64, "a b", "a;b"])
def test_base_clone_refuses_bad_names(name: str, envkit_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVKIT_HOME", str(envkit_home))
    result = run_inprocess("base", "clone", "--", name)
    assert result.code == 2 and len(result.err.splitlines()) == 1
    assert "must be lower-case letters, digits and dashes" in result.err
    assert sorted(p.name for p in (envkit_home / "bases").iterdir()) == ["envkit-base.yaml"]


def test_base_clone_refuses_unknown_parent(envkit_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVKIT_HOME", str(envkit_home))
    result = run_inprocess("base", "clone", "mine", "--from", "nope")
    assert result.code == 2 and "unknown base 'nope' (known bases: envkit-base)" in result.err


def test_clone_of_a_clone_inherits_everything(envkit_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVKIT_HOME", str(envkit_home))
    assert run_inprocess("base", "clone", "first").code == 0
    path = envkit_home / "bases" / "first.yaml"
    path.write_text(path.read_text().replace("  apt: []", "  apt: [libnuma-dev]"))
    assert run_inprocess("base", "clone", "second", "--from", "first").code == 0
    second, root = load_base("second"), load_base("envkit-base")
    assert second.extra.apt == ["libnuma-dev"] and second.platforms == root.platforms
    assert second.python_packages == root.python_packages and second.horovod == root.horovod


# --- launchers ------------------------------------------------------------------------------------

CMD = ("python", "-m", "envkit.train", "aigw")
WRAP = ("apptainer", "exec", "--nv", "img.sif")


def _plan(nodes: int, tpn: int, gpus: int = 1, **kw: Any) -> LaunchPlan:
    return LaunchPlan(nodes=nodes, tasks_per_node=tpn, command=CMD, gpus_per_task=gpus, **kw)


def test_srun_gres_hal() -> None:
    assert launch_argv(load_profile("hal"), _plan(2, 4, wrapper=WRAP, env=(("NCCL_DEBUG", "INFO"),))) == [
        "srun", "--nodes=2", "--ntasks-per-node=4", "--cpus-per-task=16", "--gres=gpu:v100:4", "--partition=gpu",
        "--account=ACCOUNT", "--mpi=pmix", "--export=ALL,NCCL_DEBUG=INFO", *WRAP, *CMD]


def test_srun_gres_typed_bridges() -> None:
    assert launch_argv(load_profile("bridges-ai"), _plan(1, 8))[:5] == [
        "srun", "--nodes=1", "--ntasks-per-node=8", "--cpus-per-task=5", "--gres=gpu:volta16:8"]
    assert "--gres=gpu:v100-32:16" in launch_argv(load_profile("bridges-2"), _plan(1, 8, gpus=2))


def test_srun_gpus_per_task_delta() -> None:
    assert launch_argv(load_profile("delta"), _plan(2, 4)) == [
        "srun", "--nodes=2", "--ntasks-per-node=4", "--cpus-per-task=16", "--gpus-per-task=1",
        "--partition=gpuA100x4", "--account=ACCOUNT", "--mpi=pmix", *CMD]


def test_srun_cpu_only_local_slurm() -> None:
    assert launch_argv(load_profile("local-slurm"), _plan(1, 2, gpus=0)) == [
        "srun", "--nodes=1", "--ntasks-per-node=2", "--partition=debug", "--mpi=pmix", *CMD]


def test_jsrun_summit() -> None:
    assert launch_argv(load_profile("summit"), _plan(1024, 6, wrapper=WRAP, env=(("A", "1"),))) == [
        "jsrun", "--smpiargs=-gpu", "-bpacked:7", "-n6144", "-r6", "-a1", "-c7", "-g1", "--env=A=1", *WRAP, *CMD]


def test_mpirun_local() -> None:
    assert launch_argv(load_profile("local"), _plan(1, 2, gpus=0, env=(("OMP_NUM_THREADS", "1"),))) == [
        "mpirun", "-np", "2", "--map-by", "ppr:2:node", "--oversubscribe", "--allow-run-as-root",
        "-x", "OMP_NUM_THREADS=1", *CMD]


def test_torchrun() -> None:
    local = load_profile("local")
    assert launch_argv(local, _plan(1, 2, gpus=0, wrapper=WRAP), launcher="torchrun") == [
        *WRAP, "torchrun", "--nnodes=1", "--nproc_per_node=2", "--standalone", "-m", "envkit.train", "aigw"]
    multi = _plan(2, 2, gpus=0, env=(("A", "1"),), rendezvous="hal07:29500")
    assert launch_argv(local, multi, launcher="torchrun") == [
        "env", "A=1", "torchrun", "--nnodes=2", "--nproc_per_node=2", "--rdzv-backend=c10d",
        "--rdzv-endpoint=hal07:29500", "--rdzv-id=envkit", "-m", "envkit.train", "aigw"]
    with pytest.raises(EnvkitError, match="needs a rendezvous host"):
        launch_argv(local, _plan(2, 2, gpus=0), launcher="torchrun")


def test_site_args_only_for_the_sites_own_launcher() -> None:
    # local's mpirun arguments are not given to srun, and Summit's jsrun ones not to mpirun.
    assert "--oversubscribe" not in launch_argv(load_profile("local"), _plan(1, 1, gpus=0), launcher="torchrun")
    argv = launch_argv(load_profile("summit"), _plan(1, 6), launcher="mpirun")
    assert argv[:5] == ["mpirun", "-np", "6", "--map-by", "ppr:6:node"] and "--smpiargs=-gpu" not in argv


def test_launcher_errors() -> None:
    with pytest.raises(EnvkitError, match="unknown launcher 'aprun'"):
        launch_argv(load_profile("local"), _plan(1, 1), launcher="aprun")
    with pytest.raises(EnvkitError, match="nodes and tasks per node must be >= 1"):
        launch_argv(load_profile("local"), _plan(0, 1))


def test_launch_argv_is_a_list_of_plain_words() -> None:
    for site in SHIPPED_SITES:
        profile = load_profile(site)
        argv = launch_argv(profile, _plan(2, profile.tasks_per_node, gpus=1 if profile.gpu.per_node else 0))
        assert all(isinstance(a, str) and a and "\n" not in a for a in argv)
        assert argv[-len(CMD):] == list(CMD)


# --- the CUDA driver table --------------------------------------------------------------------------


@pytest.mark.parametrize(("toolkit", "driver", "verdict"), [
    ("11.8", "520.61.05", "ok"),
    ("11.8", "535.104.05", "ok"),
    ("11.8", "450.80.02", "minor-compat"),
    ("11.8", "450.51.06", "too-old"),
    ("12.2", "525.60.13", "minor-compat"),
    ("12.2", "535.54.03", "ok"),
    ("12.2", "470.57.02", "too-old"),
    ("10.2", "418.39", "too-old"),  # no minor-version compatibility before 11
    ("10.2", "440.33", "ok"),
    ("13.0", "575.51.03", "too-old"),
    ("11.7.1", "470.82.01", "minor-compat"),  # Summit
    ("9.2", "500.00", "unknown"),
    ("12.7", "570.26", "unknown"),  # no 12.7 release
])
def test_driver_ok(toolkit: str, driver: str, verdict: str) -> None:
    assert driver_ok(toolkit, driver) == verdict


def test_cuda_helpers() -> None:
    assert min_driver("11.8") == "520.61.05" and min_driver("11.8.0") == "520.61.05" and min_driver("8.0") is None
    assert version_tuple("450.80.02") == (450, 80, 2)
    assert version_tuple("10.4.0.3") == (10, 4, 0, 3)
    assert version_tuple("3.6.0-rc1") == (3, 6, 0)
    assert version_tuple("4.1.5rc1") == (4, 1, 5) and version_tuple("10.3.1rc2") == (10, 3, 1)
    assert version_tuple("12.x") == (12,)
    assert major_minor("11.0.3") == "11.0" and major_minor("12") == "12.0"


def test_cuda_table_is_ordered() -> None:
    releases = sorted(TOOLKIT_DRIVER, key=version_tuple)
    drivers = [version_tuple(TOOLKIT_DRIVER[r]) for r in releases]
    assert drivers == sorted(drivers)
    # From CUDA 12 on, the minor-version floor is the x.0 release's driver (11.0 GA shipped with an older one).
    assert MINOR_COMPAT_FLOOR["12"] == TOOLKIT_DRIVER["12.0"] and MINOR_COMPAT_FLOOR["13"] == TOOLKIT_DRIVER["13.0"]
    assert version_tuple(MINOR_COMPAT_FLOOR["11"]) < version_tuple(TOOLKIT_DRIVER["11.1"])


def test_every_base_platform_and_site_has_a_known_cuda() -> None:
    for platform in load_base("envkit-base").platforms:
        if platform.cuda:
            assert min_driver(platform.cuda), platform.cuda
    for site in SHIPPED_SITES:
        profile = load_profile(site)
        if profile.cuda:
            assert driver_ok(profile.cuda.toolkit, profile.cuda.driver) in ("ok", "minor-compat"), site


# --- import cost ----------------------------------------------------------------------------------

PROBE = """
import sys
from envkit.cli import main
sys.argv = ["envkit", *sys.argv[1:]]
try:
    main()
except SystemExit:
    pass
heavy = sorted(m for m in ("torch", "numpy", "mpi4py", "h5py") if m in sys.modules)
print("HEAVY=" + ",".join(heavy), file=sys.stderr)
"""


@pytest.mark.parametrize("args", [["--help"], ["render", "--site", "hal"], ["site", "validate",
                                                                             "site-profiles/summit.yaml"]])
def test_cli_does_not_import_torch(args: list[str], tmp_path: Path) -> None:
    # A stand-in torch first on the path: importing it anywhere would leave a mark.
    fake = tmp_path / "torch"
    fake.mkdir()
    (fake / "__init__.py").write_text(f"open({str(tmp_path / 'IMPORTED')!r}, 'w').close()\n")
    proc = subprocess.run([sys.executable, "-X", "importtime", "-c", PROBE, *args], cwd=REPO, capture_output=True,
                          text=True, timeout=60, check=False,
                          env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"})
    assert "HEAVY=\n" in proc.stderr, proc.stderr[-2000:]
    assert not (tmp_path / "IMPORTED").exists()
    imported = {line.split("|")[-1].strip() for line in proc.stderr.splitlines() if line.startswith("import time:")}
    assert "envkit.cli" in imported
    assert not any(name == "torch" or name.startswith("torch.") for name in imported)

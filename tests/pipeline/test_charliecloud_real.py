"""Real Charliecloud builds of the `local` site (container + slow): one cold build shared by every test.

The store persists under $ENVKIT_TEST_STORE (default /var/tmp/envkit-test-store), so a second
run reuses the images: the cold build (debootstrap, torch, Horovod: minutes) happens once.
Tests that rebuild use a cheap layer: the site layer on the built base, with a temporary
profile `local` whose defaults.env differs (it extends a copy of the shipped local profile).
The last test puts the shipped profile's image back.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from envkit_cli import envkit_process

from envkit.engines.charliecloud import Charliecloud
from envkit.pipeline.build import BuildOptions, run_build
from envkit.profile import load_profile as _load_profile
from envkit.recipe.layers import base_tag as _base_tag
from envkit.store.cache import read_record

from .conftest import write_tweaked_local

BASE_LOCAL = _base_tag(_load_profile("local"))

pytestmark = [
    pytest.mark.container, pytest.mark.slow,
    pytest.mark.skipif(shutil.which("ch-image") is None or shutil.which("debootstrap") is None,
                       reason="Charliecloud/debootstrap not installed (run scripts/install-charliecloud.sh)"),
]
STORE = Path(os.environ.get("ENVKIT_TEST_STORE", "/var/tmp/envkit-test-store"))
REPORT = STORE / "test-report.json"


def envkit(*args: str, env: dict[str, str] | None = None, timeout: float = 3600,
           ) -> subprocess.CompletedProcess[str]:
    """Run the envkit command line in a new process (as a user would)."""
    return envkit_process(*args, "--store", str(STORE), env=env, unset=("ENVKIT_PROFILE_PATH",), timeout=timeout)


def _report(**facts: object) -> None:
    data = json.loads(REPORT.read_text()) if REPORT.is_file() else {}
    data.update(facts)
    REPORT.write_text(json.dumps(data, indent=2) + "\n")


def _du(path: Path) -> int:
    return int(subprocess.run(["du", "-sb", str(path)], capture_output=True, text=True).stdout.split()[0])


@pytest.fixture(scope="session")
def local_image() -> str:
    """`envkit build --site local` (cold the first time: base + site layer from nothing)."""
    STORE.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    proc = envkit("build", "--site", "local", "--json")
    assert proc.returncode == 0, proc.stderr[-3000:]
    summary = json.loads(proc.stdout)
    seconds = time.monotonic() - started
    if any(layer["status"] == "built" for layer in summary["layers"]):
        image = Path(summary["layers"][-1]["image"])
        _report(build_seconds=round(seconds, 1), build_layers={x["tag"]: x["status"] for x in summary["layers"]},
                base_image_bytes=_du(Path(summary["layers"][0]["image"])), site_image_bytes=_du(image))
    return summary["layers"][-1]["image"]


def _run(image: str, *command: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return Charliecloud().run(image, list(command), timeout=timeout)


def test_image_runs_torch_mpi4py_and_two_mpi_ranks(local_image: str) -> None:
    proc = _run(local_image, "python3", "-c", "import torch, mpi4py, horovod.torch; print('torch', torch.__version__)")
    assert proc.returncode == 0, proc.stderr
    assert "torch 2.14.1" in proc.stdout
    ranks = _run(local_image, "mpirun", "--allow-run-as-root", "--oversubscribe", "-np", "2", "python3", "-c",
                 "from mpi4py import MPI; c = MPI.COMM_WORLD; print(f'rank {c.Get_rank()} of {c.Get_size()}')")
    assert ranks.returncode == 0, ranks.stderr
    assert sorted(line for line in ranks.stdout.splitlines() if line.startswith("rank")) == \
        ["rank 0 of 2", "rank 1 of 2"]


def test_base_came_from_debootstrap_not_a_registry(local_image: str) -> None:
    log = (STORE / "charliecloud" / f"{BASE_LOCAL}.build.log").read_text(errors="replace")
    assert "FROM debian:bookworm" in log and "pulling image" not in log.lower()
    assert (STORE / "charliecloud" / "storage" / "img" / "debian+bookworm").is_dir()
    meta = json.loads((STORE / "charliecloud" / "storage" / "img" / BASE_LOCAL / "ch" /
                       "metadata.json").read_text())
    assert not [k for k in meta.get("arg", {}) if k.startswith("PIP_") or k == "BASH_ENV"]  # no host settings kept


def test_noop_build_calls_no_engine_and_is_fast(local_image: str, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*_a: object, **_k: object) -> None:
        raise AssertionError("the engine was called for an up-to-date image")

    monkeypatch.delenv("ENVKIT_PROFILE_PATH", raising=False)
    monkeypatch.setattr(Charliecloud, "build", boom)
    monkeypatch.setattr(Charliecloud, "inspect", boom)
    started = time.monotonic()
    plan = run_build(BuildOptions(site="local", store=STORE))
    in_process = time.monotonic() - started
    assert [lp.status for lp in plan.layers] == ["up to date", "up to date"]
    assert in_process < 2.0
    started = time.monotonic()
    proc = envkit("build", "--site", "local")
    cli = time.monotonic() - started
    assert proc.returncode == 0 and "up to date" in proc.stdout
    _report(noop_in_process_s=round(in_process, 3), noop_cli_s=round(cli, 3))


def test_inspect_lists_versions_from_inside(local_image: str) -> None:
    proc = envkit("inspect", "--site", "local", "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["torch"].startswith("2.14.1")
    assert data["python"].startswith("3.11")
    assert "Open MPI" in data["mpi"] and "4.1" in data["mpi"]
    assert data["manifest"]["pip"]["mpi4py"] and data["manifest"]["dpkg"]["openmpi-bin"].startswith("4.1")
    assert "PyTorch" in data["manifest"]["horovod"]
    assert (Path(local_image) / "opt/envkit/manifest/envkit-manifest.json").is_file()


def test_verify_names_a_package_changed_inside(local_image: str) -> None:
    assert envkit("verify", "--site", "local").returncode == 0
    (metadata,) = Path(local_image).glob("opt/envkit/venv/lib/python3*/site-packages/tqdm-*.dist-info/METADATA")
    original = metadata.read_text()
    version = next(line for line in original.splitlines() if line.startswith("Version: "))
    try:
        metadata.write_text(original.replace(version, "Version: 0.0.1", 1))
        proc = envkit("verify", "--site", "local")
        assert proc.returncode == 1
        assert f"pip package tqdm: {version.split()[1]} -> 0.0.1" in proc.stdout
    finally:
        metadata.write_text(original)
    assert envkit("verify", "--site", "local").returncode == 0


def test_doctor_passes_here(local_image: str) -> None:
    proc = envkit("doctor", "--site", "local", "--json")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    findings = {f["check"]: f["status"] for f in json.loads(proc.stdout)["findings"]}
    assert findings["arch"] == findings["engine"] == findings["image"] == "ok"
    assert "fail" not in findings.values()
    assert envkit("doctor", "--site", "local", "--image", local_image).returncode == 0


@pytest.fixture
def tweaked(tmp_path: Path) -> Iterator[dict[str, str]]:
    """Environment for a temporary profile `local` with a different defaults.env (site layer only)."""
    folder = tmp_path / "profiles"

    def env(value: str) -> dict[str, str]:
        write_tweaked_local(folder, {"ENVKIT_TEST_TWEAK": value})
        return {"ENVKIT_PROFILE_PATH": str(folder)}

    yield {"a": env, "folder": str(folder)}  # type: ignore[dict-item]


def _site_statuses(proc: subprocess.CompletedProcess[str]) -> list[str]:
    assert proc.returncode == 0, proc.stderr[-3000:]
    return [layer["status"] for layer in json.loads(proc.stdout)["layers"]]


def test_profile_change_rebuilds_only_the_site_layer(local_image: str, tweaked) -> None:  # type: ignore[no-untyped-def]
    started = time.monotonic()
    statuses = _site_statuses(envkit("build", "--site", "local", "--json", env=tweaked["a"](f"v{time.time()}")))
    assert statuses == ["up to date", "built"]
    _report(site_layer_rebuild_s=round(time.monotonic() - started, 1))
    env = {"ENVKIT_PROFILE_PATH": tweaked["folder"]}
    proc = subprocess.run([sys.executable, "-m", "envkit.cli", "inspect", "--site", "local", "--json", "--store",
                           str(STORE)], env={**os.environ, **env}, capture_output=True, text=True)
    assert json.loads(proc.stdout)["profile_hash"] == json.loads(proc.stdout)["manifest"]["profile_hash"]


def test_sigkill_mid_build_leaves_previous_image_usable(local_image: str, tweaked) -> None:  # type: ignore[no-untyped-def]
    env = tweaked["a"]("before-kill")
    assert _site_statuses(envkit("build", "--site", "local", "--json", env=env))[1] in ("built", "up to date")
    record_path = STORE / "charliecloud" / "envkit-local.record.json"
    good_key = read_record(record_path)["key"]  # type: ignore[index]
    env = tweaked["a"]("killed")
    full = {**{k: v for k, v in os.environ.items() if k != "ENVKIT_PROFILE_PATH"}, **env}
    proc = subprocess.Popen([sys.executable, "-m", "envkit.cli", "build", "--site", "local", "--quiet",
                             "--store", str(STORE)], env=full, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    img = STORE / "charliecloud" / "storage" / "img"
    deadline = time.monotonic() + 600
    while not list(img.glob("envkit-local.tmp-*")) and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.2)
    time.sleep(3)                       # mid-way: ch-image is copying the base into the temporary image
    assert proc.poll() is None, "the build ended before it could be killed"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    # the previous image still runs, and the record still vouches for it
    assert read_record(record_path)["key"] == good_key  # type: ignore[index]
    ok = _run(str(img / "envkit-local"), "python3", "-c", "import torch; print('alive')")
    assert ok.returncode == 0 and "alive" in ok.stdout
    # the next build cleans up and succeeds
    assert _site_statuses(envkit("build", "--site", "local", "--json", env=env)) == ["up to date", "built"]
    assert not list(img.glob("envkit-local.tmp-*"))
    assert not list(Path("/tmp").glob(f"envkit-build-{proc.pid}-*"))   # the killed build's staging is swept


def test_two_builds_at_once_both_end_well(local_image: str, tweaked) -> None:  # type: ignore[no-untyped-def]
    env = tweaked["a"](f"concurrent-{time.time()}")
    full = {**{k: v for k, v in os.environ.items() if k != "ENVKIT_PROFILE_PATH"}, **env}
    argv = [sys.executable, "-m", "envkit.cli", "build", "--site", "local", "--json", "--store", str(STORE)]
    procs = [subprocess.Popen(argv, env=full, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    outs = [p.communicate(timeout=3600) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [o[1][-2000:] for o in outs]
    site = sorted(json.loads(o[0])["layers"][1]["status"] for o in outs)
    assert site == ["built", "up to date"]   # the second waited for the lock, then found it built
    ok = _run(str(STORE / "charliecloud" / "storage" / "img" / "envkit-local"), "python3", "-c", "print('ok')")
    assert ok.returncode == 0


def test_zz_restore_the_shipped_profile_image(local_image: str) -> None:
    statuses = _site_statuses(envkit("build", "--site", "local", "--json"))
    assert statuses[0] == "up to date"
    assert envkit("verify", "--site", "local").returncode == 0

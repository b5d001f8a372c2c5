"""Real Podman (slow + container + podman): the local site's images built by `podman build` from the rendered
Dockerfiles (the base too: debootstrap, `podman import`, then `podman build`), AI-GW trained on 2 ranks in the
podman-built image, and envkit's docker-archive export loaded by `podman load` and run (`import torch,
mpi4py`). The OCI archive is loaded the same way by tests/export/test_export_local.py, which exports it anyway.

Podman runs as root here with envkit's own storage under the shared test store
($ENVKIT_TEST_STORE/podman: a second run reuses the built images, a cold one builds the base, minutes) and
envkit's own containers.conf (envkit.engines.podman says why: runc, default_ulimits = []).
"""

from __future__ import annotations

import json
import math
import shutil
import subprocess
from pathlib import Path

import pytest
from envkit_cli import envkit_process
from podman_load import ROOT, STORE, load_and_run, podman_usable

from envkit.engines.podman import Podman

pytestmark = [
    pytest.mark.slow, pytest.mark.container, pytest.mark.podman,
    pytest.mark.skipif(not podman_usable(), reason="needs root and podman (scripts/setup.sh installs podman and runc)"),
]


def envkit(*args: str, timeout: float = 5400) -> subprocess.CompletedProcess[str]:
    """The envkit command on the shared test store (the option goes before a runner's `--`)."""
    command, dash, runner = (list(args), [], []) if "--" not in args else \
        (list(args[:args.index("--")]), ["--"], list(args[args.index("--") + 1:]))
    return envkit_process(*command, "--store", str(STORE), *dash, *runner, unset=("ENVKIT_PROFILE_PATH",),
                          timeout=timeout)


@pytest.fixture(scope="module")
def podman_image() -> str:
    """The local site's AI-GW image, built with Podman (each layer only when its inputs changed)."""
    proc = envkit("build", "--site", "local", "--engine", "podman", "--workload", "aigw")
    assert proc.returncode == 0, proc.stderr[-4000:]
    images = subprocess.run([*Podman().podman(ROOT), "images", "--format", "{{.Repository}}"], capture_output=True,
                            text=True, check=True).stdout.split()
    assert {"localhost/envkit-local", "localhost/envkit-local-aigw"} <= set(images)
    return str(ROOT / "envkit-local-aigw")


def test_aigw_trains_on_two_ranks_in_the_podman_built_image(podman_image: str, tmp_path: Path) -> None:
    proc = envkit("run", "--site", "local", "--engine", "podman", "workloads/aigw", "--np", "2", "--json",
                  "--results", str(tmp_path), "--", "--preset", "smoke", "--steps", "20", timeout=1800)
    assert proc.returncode == 0, f"{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}"
    summary = json.loads(proc.stdout.strip().splitlines()[-1])
    assert summary["engine"] == "podman" and summary["world_size"] == 2
    assert math.isfinite(summary["loss_end"]) and summary["throughput"] > 0
    metrics = json.loads((Path(summary["results_dir"]) / "metrics.json").read_text())
    record = json.loads((ROOT / "envkit-local-aigw.record.json").read_text())
    assert metrics["summary"]["manifest_hash"] and record["engine"] == "podman"


def test_podman_loads_envkits_docker_archive_and_imports_torch_and_mpi4py(tmp_path: Path) -> None:
    out = tmp_path / "envkit-local-docker-archive.tar"
    proc = envkit("export", "--site", "local", "--format", "docker-archive", "-o", str(out), "--json")
    assert proc.returncode == 0, proc.stderr[-3000:]
    try:
        run = load_and_run(out, ["python3", "-c",
                                 "import torch, mpi4py; print('imported', torch.__version__, mpi4py.__version__)"])
    finally:
        out.unlink(missing_ok=True)          # 6.7 GB (a docker-archive's layer is not compressed)
    assert run.returncode == 0 and run.stdout.startswith("imported "), run.stderr[-2000:]


def test_promote_removes_the_image_a_name_held_before(tmp_path: Path) -> None:
    """A rebuilt layer leaves no untagged copy behind (the CI store had gathered three 7 GB `<none>` images)."""
    import tempfile

    engine = Podman()
    root = Path(tempfile.mkdtemp(prefix="envkit-podman-", dir="/tmp"))   # podman: a runroot of <= 50 characters
    engine.write_config(root)
    podman = engine.podman(root)

    def image_from(text: str, tag: str) -> None:
        tree = tmp_path / tag
        tree.mkdir()
        (tree / "file").write_text(text)
        subprocess.run(["tar", "-C", str(tree), "-cf", f"{tree}.tar", "."], check=True)
        subprocess.run([*podman, "import", f"{tree}.tar", engine.ref(tag)], check=True, capture_output=True)

    def ids() -> list[str]:
        return subprocess.run([*podman, "images", "-a", "--format", "{{.Id}}"], capture_output=True, text=True,
                              check=True).stdout.split()

    try:
        image_from("one", "layer.tmp-1")
        engine.promote(root, "layer.tmp-1", "layer")
        first = ids()
        image_from("two", "layer.tmp-2")
        engine.promote(root, "layer.tmp-2", "layer")
        assert len(first) == 1 and len(ids()) == 1 and ids() != first, (first, ids())
        assert engine.image_exists(root, "layer") and not engine.image_exists(root, "layer.tmp-2")
    finally:
        subprocess.run([*podman, "rmi", "-a", "-f"], capture_output=True, timeout=300)
        shutil.rmtree(root, ignore_errors=True)

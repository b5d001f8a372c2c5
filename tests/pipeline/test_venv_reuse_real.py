"""Real Charliecloud builds (slow + container): `local` (Open MPI) and `local-mpich` (MPICH) have bases that differ
only in MPI, so whichever is built second takes the first one's venv (envkit.recipe.venv_reuse): bound during its
build, then hard-linked in. Checked on the shared test store: both bases are there (local-mpich's built again when
the store's history has parted the two, see the test), record the same venv key, share torch's files (the same
inodes), and the build log of the one built second says it used the other's venv; both images import torch and
mpi4py and name their own MPI.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from run.conftest import STORE, envkit

from envkit.engines.charliecloud import Charliecloud
from envkit.paths import VENV
from envkit.profile import load_profile
from envkit.recipe.layers import base_layer
from envkit.store.cache import drop_record
from envkit.store.filelock import FileLock
from envkit.store.paths import LayerPaths, engine_lock

pytestmark = [
    pytest.mark.slow, pytest.mark.container,
    pytest.mark.skipif(shutil.which("ch-image") is None or shutil.which("debootstrap") is None,
                       reason="needs Charliecloud and debootstrap (scripts/setup.sh installs them)"),
]
ROOT = STORE / "charliecloud"
REUSED = "envkit: the Python packages: those of a base with the same key"
TORCH_LIB = "lib/python3.11/site-packages/torch/lib/libtorch_cpu.so"


def _build_base(site: str) -> Path:
    proc = envkit("build", "--site", site, "--layer", "base", "--store", str(STORE), "--json")
    assert proc.returncode == 0, proc.stderr[-3000:]
    return Charliecloud().image_path(ROOT, base_layer(load_profile(site)).tag)


def _torch_inode(image: Path) -> int:
    return (image / VENV.lstrip("/") / TORCH_LIB).stat().st_ino


def test_a_base_with_another_mpi_reuses_the_venv_by_hard_links() -> None:
    images = {site: _build_base(site) for site in ("local", "local-mpich")}
    if _torch_inode(images["local"]) != _torch_inode(images["local-mpich"]):
        # The store's history can part them: a local base rebuilt since (`--rebuild` installs its venv again).
        # Then local-mpich's base is built once more and must take local's venv. Its record is dropped (its key,
        # and so its dependents' keys, stay) and its image renamed to an unfinished build's name, which no build
        # takes as a donor (else the base would reuse its own old venv) and its next build sweeps away.
        old = images["local-mpich"]
        with FileLock(engine_lock(ROOT)):
            drop_record(LayerPaths(ROOT, old.name).record)
            old.rename(old.with_name(f"{old.name}.tmp-parted"))
        images["local-mpich"] = _build_base("local-mpich")
        assert not old.with_name(f"{old.name}.tmp-parted").exists()
    keys = {site: (image / "opt/envkit/manifest/venv-key.txt").read_text().strip() for site, image in images.items()}
    assert keys["local"] == keys["local-mpich"] == base_layer(load_profile("local")).facts.venv_key
    assert _torch_inode(images["local"]) == _torch_inode(images["local-mpich"])
    logs = sorted((LayerPaths(ROOT, image.name).log for image in images.values()), key=lambda log: log.stat().st_mtime)
    assert REUSED in logs[-1].read_text(), f"the base built second ({logs[-1].name}) says it reused the venv"
    for site, image in images.items():
        proc = subprocess.run(
            Charliecloud().exec_argv(str(image), [f"{VENV}/bin/python", "-c",
                                                  "import torch, mpi4py; from mpi4py import MPI; "
                                                  "print(MPI.Get_library_version().splitlines()[0])"]),
            capture_output=True, text=True, timeout=300, env={"USER": "root", "PATH": "/usr/bin:/bin"})
        assert proc.returncode == 0, proc.stderr[-2000:]
        assert ("Open MPI" if site == "local" else "MPICH") in proc.stdout, proc.stdout

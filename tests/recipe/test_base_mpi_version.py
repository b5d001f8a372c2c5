"""The base layer names its MPI the same way for every family: no `mpirun` where the MPI has none.

Cray MPICH ships no mpirun and MPICH's `mpirun --version` prints Hydra's build; the base layer asks the MPI
library itself (MPI_Get_library_version through mpi4py, before MPI_Init), and the help desk's host command
comes from one table per vendor (envkit/profile/mpi.py).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from envkit.docs.context import doc_context
from envkit.docs.troubleshoot import mpi_mismatch
from envkit.paths import VENV
from envkit.profile import load_profile
from envkit.profile.model import Profile
from envkit.profile.mpi import FAMILY, HOST_VERSION_COMMAND
from envkit.recipe.goldens import shipped_sites
from envkit.recipe.layers import base_layer, mpi4py_from_wheel

POLARIS = Path(__file__).resolve().parents[1] / "run" / "profiles" / "pbs-polaris.yaml"

# MPICH-family sites that are not shipped: the MPI comes from the host's tree (install: host), started by srun.
DERIVED = {
    "intel": "vendor: intel\n  version: \"2021.10\"\n  install: host\n  root: /opt/intel/oneapi/mpi/2021.10\n"
             "  bind_paths: [/opt/intel/oneapi/mpi]\n  pmi: pmi2\n",
    "mvapich2": "vendor: mvapich2\n  version: \"2.3.7\"\n  install: host\n  root: /opt/mvapich2/2.3.7\n"
                "  bind_paths: [/opt/mvapich2]\n  pmi: pmi2\n",
}


def _derived(tmp_path: Path, vendor: str) -> Profile:
    path = tmp_path / f"delta-{vendor}.yaml"
    path.write_text(f"name: delta-{vendor}\nextends: delta\nmpi:\n  {DERIVED[vendor]}")
    return load_profile(str(path))


def _mpich_family(tmp_path: Path) -> list[Profile]:
    return [load_profile(str(POLARIS)), load_profile("local-mpich"), *(_derived(tmp_path, v) for v in DERIVED)]


def test_mpich_family_base_scripts_never_call_mpirun(tmp_path: Path) -> None:
    profiles = _mpich_family(tmp_path)
    assert {p.mpi.vendor for p in profiles} == {"cray-mpich", "mpich", "intel", "mvapich2"}
    for profile in profiles:
        layer = base_layer(profile)
        for name, script in (("post", layer.post), ("test", layer.test)):
            assert "mpirun" not in script, (profile.name, name)
            if name == "post" or profile.mpi.install != "host":  # a host tree's test checks its mpicc instead
                assert "MPI.Get_library_version()" in script, (profile.name, name)
            check = subprocess.run(["bash", "-n"], input=script, capture_output=True, text=True, timeout=30)
            assert check.returncode == 0, (profile.name, name, check.stderr)
        assert "/manifest/mpi-version.txt" in layer.post


@pytest.mark.parametrize("site", shipped_sites())
def test_every_shipped_base_records_its_mpi_from_the_library(site: str) -> None:
    layer = base_layer(load_profile(site))
    assert "mpirun --version" not in layer.post and "mpirun" not in layer.test
    record = [line for line in layer.post.splitlines() if line.startswith(f"{VENV}/bin/python -c 'import mpi4py;")]
    assert record and record[0].endswith("> /opt/envkit/manifest/mpi-version.txt" + (" \\" if
                                          load_profile(site).mpi.install == "host" else ""))
    if mpi4py_from_wheel(load_profile(site)):   # its locked wheel, installed with the base's packages
        assert layer.post.index("-r /opt/envkit/locks/base.txt") < layer.post.index(record[0])
    else:
        assert layer.post.index("--no-binary=mpi4py") < layer.post.index(record[0])  # mpi4py is built first


def test_the_recorded_line_is_what_this_machines_mpi_says() -> None:
    """The rendered line, run with this venv's Python (mpi4py over Debian's Open MPI): the library's own name."""
    pytest.importorskip("mpi4py")
    line = next(line for line in base_layer(load_profile("local")).test.splitlines() if "Get_library_version" in line)
    proc = subprocess.run(["bash", "-c", line.replace(f"{VENV}/bin/python", sys.executable)], capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("Open MPI v") and len(proc.stdout.splitlines()) == 1


def test_host_install_that_cannot_load_says_so_and_goes_on(tmp_path: Path) -> None:
    post = base_layer(load_profile(str(POLARIS))).post
    lines = post.splitlines()
    at = next(i for i, line in enumerate(lines) if "Get_library_version" in line)
    snippet = "\n".join(lines[at:at + 2]).replace(f"{VENV}/bin/python", "false").replace(
        "/opt/envkit/manifest/mpi-version.txt", str(tmp_path / "v.txt"))
    proc = subprocess.run(["bash", "-euc", snippet], capture_output=True, text=True, timeout=30)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "v.txt").read_text() == ("not loadable at build time (it needs libraries of the host, bound at "
                                                "run time): cray-mpich 8.1.28\n")


def test_help_desk_host_command_per_vendor(tmp_path: Path) -> None:
    seen = {}
    for profile in [*_mpich_family(tmp_path), load_profile("local"), load_profile("summit")]:
        command = mpi_mismatch(doc_context(profile)).commands[0]
        seen[profile.mpi.vendor] = command.line
        assert command.line == HOST_VERSION_COMMAND[profile.mpi.vendor][0]
        assert HOST_VERSION_COMMAND[profile.mpi.vendor][1] in command.source
    assert set(seen) == set(FAMILY) == set(HOST_VERSION_COMMAND)
    assert seen == {"cray-mpich": "module list cray-mpich", "mpich": "mpichversion", "intel": "mpirun -V",
                    "mvapich2": "mpiname -a", "openmpi": "mpirun --version", "spectrum": "mpirun --version"}

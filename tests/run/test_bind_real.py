"""The bind model for real (issue #20): the local-bind image carries MPICH 3.4.3 (PyPI's hash-locked `mpich` wheel;
mpi4py is built against it), the host's Debian MPICH 4.0.2 is bound in at run time and put first on the container's
library path. Two ranks under the host's Hydra `mpiexec`, inside the Charliecloud image, with the launch line
`envkit run` composes (envkit.launch.run.compose: binds and LD_LIBRARY_PATH from runtime_env): each rank's
MPI_Get_library_version names the host's library and an allreduce sums right; the same line without the bind
finds the image's own library.

The rank command is a probe instead of the training runner (the runner does not print the library per rank);
everything before it is the launch model's.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from envkit.engines.base import get_engine
from envkit.launch.run import ImageRef, RunRequest, compose, runtime_env
from envkit.profile import load_profile
from envkit.recipe.layers import workload_tag
from envkit.store.paths import engine_root

from .conftest import STORE, envkit

ROOT = Path(__file__).resolve().parents[2]
PROBE = ("import json; from mpi4py import MPI; c = MPI.COMM_WORLD; "
         "print('PROBE ' + json.dumps({'rank': c.Get_rank(), 'size': c.Get_size(), "
         "'library': MPI.Get_library_version().splitlines()[0].strip(), 'sum': c.allreduce(c.Get_rank() + 1)}))")
pytestmark = [pytest.mark.slow, pytest.mark.container, pytest.mark.mpi]


def _ranks(argv: list[str]) -> list[dict]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PMI_", "OMPI_", "SLURM_", "LD_"))}
    env.setdefault("USER", "root")
    proc = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=300, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    return sorted((json.loads(m) for m in re.findall(r"PROBE (\{[^}]*\})", proc.stdout)), key=lambda r: r["rank"])


def test_host_mpich_bound_over_the_image_mpich(tmp_path: Path) -> None:
    for tool in ("ch-image", "ch-run", "mpiexec.mpich"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} not installed (apt-get install charliecloud mpich)")
    made = subprocess.run(["sh", str(ROOT / "scripts" / "host-mpich-abi.sh")], capture_output=True, text=True)
    assert made.returncode == 0, made.stderr
    built = envkit("build", "--site", "local-bind", "--workload", "aigw", "--store", str(STORE), timeout=5400)
    assert built.returncode == 0, built.stderr[-3000:]

    profile = load_profile("local-bind")
    engine = get_engine("charliecloud")
    image = str(engine.image_path(engine_root(STORE, engine.name), workload_tag(profile, "aigw")))  # as `run` does
    req = RunRequest(site="local-bind", workload="aigw", np=2, run_id="bind-real", results=tmp_path)
    argv = compose(profile, req, ImageRef(engine=engine, image=image, binds=tuple(profile.binds)))
    shim = argv.index("envkit.launch.pmi_env")   # ... python3 -m envkit.launch.pmi_env python3 -m envkit.train ...
    probe = [*argv[:shim - 2], "python3", "-c", PROBE]
    (name, value), = runtime_env(profile)
    assert f"--set-env={name}={value}" in probe and "/var/tmp/envkit-host-mpich-abi" in probe

    bound = _ranks(probe)
    assert [r["rank"] for r in bound] == [0, 1] and {r["size"] for r in bound} == {2}
    assert {r["sum"] for r in bound} == {3}
    assert all(r["library"].startswith("MPICH Version:") and "4.0.2" in r["library"] for r in bound), bound

    unbound = [a for a in probe if not a.startswith(f"--set-env={name}=")]
    own = _ranks(unbound)
    assert {r["sum"] for r in own} == {3}
    assert all("3.4.3" in r["library"] for r in own), own
    print(f"bound: {bound[0]['library']!r}; image's own: {own[0]['library']!r}")

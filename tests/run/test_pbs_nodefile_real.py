"""A PBS job script's launch part, run for real: PBS_NODEFILE on the host names two hosts, Debian's MPICH Hydra
`mpiexec` (standing in for HPE Cray PALS, which cannot be installed here) starts 4 ranks, and each rank's
MASTER_ADDR, RANK and WORLD_SIZE come out right (issue #21: the node list is read on the host side, before the
ranks start; inside a container the scheduler's spool is not bound).

Only the training runner is replaced: a `python3` first on PATH answers `python3 -m envkit.train ...` by printing
the variables the rank got; everything before it (the script, mpiexec, envkit.launch.pmi_env) is the real one.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from envkit.batch.jobs import JobOptions, job_script
from envkit.launch.run import RunRequest, compose
from envkit.profile import load_profile

ROOT = Path(__file__).resolve().parents[2]
PROFILE = Path(__file__).with_name("profiles") / "pbs-hydra.yaml"

KEYS = '("MASTER_ADDR", "MASTER_PORT", "RANK", "WORLD_SIZE", "LOCAL_RANK")'
FAKE_PYTHON = """#!/bin/sh
# the training runner's stand-in: print what the rank was given, then stop
if [ "$1" = "-m" ] && [ "$2" = "envkit.train" ]; then
  exec {real} -c 'import json, os; print("RANKENV " + json.dumps({{k: os.environ.get(k) for k in {keys}}}))'
fi
exec {real} "$@"
"""


def _script(results: Path, nodes: int = 2) -> str:
    profile = load_profile(str(PROFILE))
    req = RunRequest(site=str(PROFILE), workload="aigw", nodes=nodes, run_id="pbs-real", results=results)
    return job_script(profile, req, JobOptions(), compose(profile, req, python="python3", in_job_script=True),
                      workdir=ROOT)


def test_pbs_header_has_what_the_site_requires(tmp_path: Path) -> None:
    head = [line for line in _script(tmp_path).splitlines() if line.startswith("#PBS")]
    assert "#PBS -l select=2:system=test:ncpus=2:mpiprocs=2" in head
    assert "#PBS -l place=scatter" in head and "#PBS -l filesystems=home" in head


@pytest.mark.mpi
def test_pbs_script_ranks_get_master_addr_rank_and_world_size(tmp_path: Path) -> None:
    if shutil.which("mpiexec.mpich") is None:
        pytest.skip("MPICH not installed (apt-get install mpich)")
    results = tmp_path / "results"
    (results / "pbs-real").mkdir(parents=True)
    script = tmp_path / "job.sh"
    script.write_text(_script(results))
    nodefile = tmp_path / "PBS_NODEFILE"
    nodefile.write_text("node-a.example\nnode-a.example\nnode-b.example\nnode-b.example\n")
    bindir = tmp_path / "bin"
    bindir.mkdir()
    (bindir / "python3").write_text(FAKE_PYTHON.format(real=sys.executable, keys=KEYS))
    (bindir / "python3").chmod(0o755)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PBS_", "PMI_", "ENVKIT_MASTER", "SLURM_"))}
    env.update(PATH=f"{bindir}:{env['PATH']}", PYTHONPATH=str(ROOT), PBS_NODEFILE=str(nodefile),
               HYDRA_LAUNCHER="fork")  # every rank on this machine: the host names are only read, never reached
    proc = subprocess.run(["bash", str(script)], capture_output=True, text=True, env=env, timeout=180)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    ranks = [json.loads(m) for m in re.findall(r"RANKENV (\{[^}]*\})", proc.stdout)]   # ranks' lines may interleave
    assert sorted(int(r["RANK"]) for r in ranks) == [0, 1, 2, 3]
    assert {r["WORLD_SIZE"] for r in ranks} == {"4"}
    assert {r["MASTER_ADDR"] for r in ranks} == {"node-a.example"}   # the file's first host, read on the host
    assert len({r["MASTER_PORT"] for r in ranks}) == 1
    assert (results / "pbs-real" / "job-exit-code").read_text().strip() == "0"


def test_rank_that_cannot_read_the_nodefile_says_so_in_one_line(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ENVKIT_MASTER", "SLURM_", "MASTER_"))}
    env.update(PMI_RANK="0", PMI_SIZE="2", PBS_NODEFILE=str(tmp_path / "spool" / "nodes"), PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "-m", "envkit.launch.pmi_env", "true"], capture_output=True, text=True,
                          env=env, timeout=60)
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "PBS_NODEFILE" in lines[0] and "ENVKIT_MASTER_ADDR" in lines[0], proc.stderr

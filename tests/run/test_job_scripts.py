"""Job scripts for Slurm, LSF and PBS Pro: golden files for every shipped site, the schedulers' documented
syntax, shell syntax (`bash -n`), and `envkit submit --dry-run` as a user runs it.

LSF and PBS cannot run here (no Debian packages): their scripts are checked against the documented directive
spellings (IBM LSF bsub, Altair PBS Pro qsub, ALCF Polaris job docs), not against a running scheduler.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from envkit.batch.goldens import NODES, golden_path, golden_script, golden_sites
from envkit.profile import load_profile

PROFILES = Path(__file__).parent / "profiles"

# Directive options as the schedulers document them (sbatch(1); bsub; qsub): anything else is a typo.
DOCUMENTED = {
    "#SBATCH": re.compile(r"^--(job-name|nodes|ntasks-per-node|cpus-per-task|gres|gpus-per-node|time|account|"
                          r"partition|output|constraint|qos)=\S+$"),
    "#BSUB": re.compile(r"^-(J|nnodes|W|P|q|o) \S+$"),
    # select chunk: N, site resources (system=polaris), ncpus, ngpus, mpiprocs (ALCF, NCAR); gpu_type (NCAR)
    "#PBS": re.compile(r"^(-N \S+|-l (select=\d+(:[a-z_]+=\w+)*:ncpus=\d+(:ngpus=\d+)?(:mpiprocs=\d+)?|"
                       r"walltime=[\d:]+|filesystems=\S+|place=\S+|gpu_type=\w+)|-A \S+|-q \S+|-o \S+|-j oe)$"),
}


def _envkit(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "USER": os.environ.get("USER", "root"), "ENVKIT_STORE": "/scratch/envkit/store"}
    return subprocess.run([sys.executable, "-m", "envkit.cli", *args], capture_output=True, text=True, timeout=120,
                          env=env, cwd=cwd)


def _directives(text: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for line in text.splitlines():
        prefix, _, rest = line.partition(" ")
        if prefix in DOCUMENTED:
            out.setdefault(prefix, []).append(rest)
    return out


CASES = [(s, n) for s in golden_sites() for n in NODES if n <= load_profile(s).nodes.count]


@pytest.mark.parametrize(("site", "nodes"), CASES)
def test_job_script_golden(site: str, nodes: int) -> None:
    path = golden_path(site, nodes)
    assert path.is_file(), f"missing golden {path}: run python -m envkit.recipe.goldens"
    assert golden_script(site, nodes) == path.read_text(), f"{path} differs: python -m envkit.recipe.goldens"


@pytest.mark.parametrize("site", [*golden_sites(), str(PROFILES / "pbs-polaris.yaml")])
def test_scripts_use_documented_directives_and_parse_as_bash(site: str) -> None:
    text = golden_script(site, 2 if load_profile(site).nodes.count >= 2 else 1)
    found = _directives(text)
    assert len(found) == 1, found  # one scheduler's directives, never a mix
    ((prefix, lines),) = found.items()
    assert {"slurm": "#SBATCH", "lsf": "#BSUB", "pbs": "#PBS"}[load_profile(site).scheduler.kind] == prefix
    for line in lines:
        assert DOCUMENTED[prefix].match(line), f"{site}: {prefix} {line} is not a documented directive"
    first_command = next(i for i, line in enumerate(text.splitlines()) if line and not line.startswith("#"))
    assert all(not line.startswith(prefix) for line in text.splitlines()[first_command:])  # directives first
    assert subprocess.run(["bash", "-n"], input=text, text=True).returncode == 0


def test_summit_bsub_script() -> None:
    proc = _envkit("submit", "--site", "summit", "workloads/aigw", "--nodes", "4", "--dry-run")
    assert proc.returncode == 0, proc.stderr
    text = proc.stdout
    assert "#BSUB -nnodes 4" in text.splitlines()
    (jsrun,) = [shlex.split(line) for line in text.splitlines() if line.startswith("jsrun ")]
    assert "-n24" in jsrun and "-r6" in jsrun and "-g1" in jsrun and "-a1" in jsrun  # one resource set per GPU
    assert "--smpiargs=-gpu" in jsrun
    exec_at = jsrun.index("apptainer")
    assert jsrun[exec_at:exec_at + 3] == ["apptainer", "exec", "--nv"]
    assert "/opt/ibm/spectrum_mpi" in jsrun[jsrun.index("--bind") + 1].split(",")  # the host MPI bound in
    assert "module load spectrum-mpi" in text


@pytest.mark.parametrize(("site", "gres"), [("hal", "--gres=gpu:v100:4"), ("bridges-ai", "--gres=gpu:volta16:8")])
def test_slurm_sbatch_scripts(site: str, gres: str) -> None:
    proc = _envkit("submit", "--site", site, "workloads/aigw", "--nodes", "2", "--dry-run", "--time", "01:00:00",
                   "--account", "abc123")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert "#SBATCH --nodes=2" in lines and f"#SBATCH {gres}" in lines and "#SBATCH --time=01:00:00" in lines
    assert "#SBATCH --account=abc123" in lines
    (srun,) = [line for line in lines if line.startswith("srun ")]
    assert "--nodes=2" in srun and "--dist ddp" in srun


def test_pbs_script_for_a_cray_mpich_site() -> None:
    proc = _envkit("submit", "--site", str(PROFILES / "pbs-polaris.yaml"), "workloads/aigw", "--nodes", "2",
                   "--dry-run")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert "#PBS -l select=2:ncpus=32:ngpus=4" in lines and "#PBS -l filesystems=home:eagle" in lines
    (launch,) = [line.strip() for line in lines if line.strip().startswith("mpiexec ")]
    # the first host is read on the host side and handed to the ranks (the PBS spool is not bound in the image)
    assert launch.startswith("mpiexec -n 8 --ppn 4 --depth 8 --cpu-bind depth "
                             '--env=ENVKIT_MASTER_ADDR="$ENVKIT_RDZV_HOST" ')
    assert 'ENVKIT_RDZV_HOST=$(head -n 1 "$PBS_NODEFILE")' in lines
    assert " -x " not in launch and "mpirun" not in launch and "envkit.launch.pmi_env" in launch


def test_submit_refuses_bad_values_and_sites_without_a_scheduler() -> None:
    bad = _envkit("submit", "--site", "hal", "aigw", "--account", "x;rm -rf /", "--dry-run")
    assert bad.returncode == 2 and bad.stderr.startswith("error: --account") and len(bad.stderr.splitlines()) == 1
    none = _envkit("submit", "--site", "local", "aigw", "--dry-run")
    assert none.returncode == 2 and "no batch scheduler" in none.stderr and "Traceback" not in none.stderr


def test_submit_without_the_scheduler_is_one_line(tmp_path: Path) -> None:
    if any(Path(d, "bsub").exists() for d in os.environ.get("PATH", "").split(os.pathsep)):
        pytest.skip("bsub is installed here")
    proc = _envkit("submit", "--site", "summit", "aigw", "--results", str(tmp_path))
    assert proc.returncode == 2 and "bsub not found on PATH" in proc.stderr, proc.stderr

"""MPI families and launchers: coherent profiles launch the family's way, incoherent ones are one-line errors."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from envkit.launch.pmi_env import master_port, torch_env
from envkit.launchers.base import LaunchPlan, launch_argv
from envkit.profile import load_profile

PROFILES = Path(__file__).parent / "profiles"
CMD = ("python3", "-m", "envkit.train", "aigw")


def _envkit(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "envkit.cli", *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "USER": os.environ.get("USER", "root")})


@pytest.mark.parametrize(("case", "key", "reason"), [
    ("amd-gpu", "rocm", "an AMD GPU site needs a rocm section"),
    ("cpu-with-gpu-model", "gpu.model", "gpu.vendor is 'none' but gpu.model is 'MI250X'"),
    ("mvapich2-distro", "mpi.install", "will not put another MPI in its place"),
    ("mpirun-with-mpich", "launcher.kind", "mpirun cannot start mpich ranks"),
    ("pbs-with-srun", "launcher.kind", "srun needs a Slurm scheduler"),
    ("pals-on-slurm", "launcher.kind", "mpiexec-pals needs scheduler.kind: pbs"),
])
def test_incoherent_profiles_exit_2_with_one_line(case: str, key: str, reason: str) -> None:
    proc = _envkit("site", "validate", str(PROFILES / "bad" / f"{case}.yaml"))
    assert proc.returncode == 2
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert lines[0].startswith("error: ") and ".yaml:" in lines[0] and f" {key}: " in lines[0] and reason in lines[0]


def test_hydra_mpiexec_line_for_local_mpich() -> None:
    argv = launch_argv(load_profile("local-mpich"), LaunchPlan(1, 2, CMD, env=(("A", "1"),), wrapper=("ch-run", "x")))
    assert argv == ["mpiexec.mpich", "-n", "2", "-ppn", "2", "-genv", "A", "1", "ch-run", "x",
                    "python3", "-m", "envkit.launch.pmi_env", *CMD]


def test_pals_mpiexec_line_for_a_pbs_cray_mpich_site() -> None:
    p = load_profile(str(PROFILES / "pbs-polaris.yaml"))
    argv = launch_argv(p, LaunchPlan(2, 4, CMD, gpus_per_task=1, env=(("NCCL_DEBUG", "INFO"),)))
    assert shlex.join(argv) == ("mpiexec -n 8 --ppn 4 --depth 8 --cpu-bind depth --env=NCCL_DEBUG=INFO "
                                "python3 -m envkit.launch.pmi_env python3 -m envkit.train aigw")
    assert "-x" not in argv and "mpirun" not in argv  # no Open MPI spelling at an MPICH site


def test_srun_takes_mpi_from_the_profile() -> None:
    hal = launch_argv(load_profile("hal"), LaunchPlan(1, 4, CMD, gpus_per_task=1))
    assert "--mpi=pmix" in hal
    slurm = launch_argv(load_profile("local-slurm"), LaunchPlan(1, 2, CMD))
    assert slurm.count("--mpi=pmix") == 1  # the site's own --mpi wins, never twice


def test_pmi_shim_maps_hydra_variables_to_torchrun_names(tmp_path: Path) -> None:
    env = torch_env({"PMI_RANK": "1", "PMI_SIZE": "2", "MPI_LOCALRANKID": "1", "MPI_LOCALNRANKS": "2"},
                    ["python3", "-m", "envkit.train", "--run-id", "r1"])
    assert env == {"RANK": "1", "WORLD_SIZE": "2", "LOCAL_RANK": "1", "LOCAL_WORLD_SIZE": "2",
                   "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(master_port(["--run-id", "r1"]))}
    nodefile = tmp_path / "nodes"
    nodefile.write_text("x3001\nx3001\nx3002\n")
    pbs = torch_env({"PMI_RANK": "0", "PMI_SIZE": "8", "PBS_NODEFILE": str(nodefile)}, [])
    assert pbs["MASTER_ADDR"] == "x3001" and pbs["MASTER_PORT"] == "29500"
    assert torch_env({}, []) == {}  # not under an MPICH launcher: nothing changes


def test_pmi_shim_runs_under_real_hydra() -> None:
    if not Path("/usr/bin/mpiexec.mpich").exists():
        pytest.skip("MPICH not installed (apt-get install mpich)")
    code = "import os; print(os.environ['RANK'], os.environ['WORLD_SIZE'], os.environ['MASTER_PORT'])"
    proc = subprocess.run(["mpiexec.mpich", "-n", "2", sys.executable, "-m", "envkit.launch.pmi_env", sys.executable,
                           "-c", code, "--run-id", "x"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    port = str(master_port(["--run-id", "x"]))
    assert sorted(proc.stdout.split("\n")[:2]) == [f"0 2 {port}", f"1 2 {port}"]


def test_torchrun_rendezvous_from_slurm_pbs_and_lsf_node_lists(tmp_path: Path) -> None:
    from envkit.launch.run import rendezvous

    assert rendezvous({"SLURM_JOB_NODELIST": "gpu[003-005]"}) == "gpu003:29500"
    pbs = tmp_path / "pbs_nodes"
    pbs.write_text("x3001c0s1b0n0\nx3001c0s1b0n0\nx3002c0s1b0n0\n")
    assert rendezvous({"PBS_NODEFILE": str(pbs)}) == "x3001c0s1b0n0:29500"
    lsf = tmp_path / "lsf_hosts"
    lsf.write_text("batch3\n" + "a01n01\n" * 6 + "a01n02\n" * 6)  # Summit: the launch node first, then 6 per node
    assert rendezvous({"LSB_DJOB_HOSTFILE": str(lsf)}) == "a01n01:29500"
    assert rendezvous({"ENVKIT_MASTER_ADDR": "h1", "SLURM_JOB_NODELIST": "gpu1"}) == "h1:29500"
    argv = launch_argv(load_profile("local"), LaunchPlan(2, 2, CMD, rendezvous=rendezvous({"PBS_NODEFILE": str(pbs)})),
                       launcher="torchrun")
    assert "--rdzv-endpoint=x3001c0s1b0n0:29500" in argv

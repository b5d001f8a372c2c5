"""Multi-node torchrun inside a batch job: the script reads the rendezvous host from the scheduler's node list
when the job runs and starts one torchrun per node; outside a job `envkit run` still refuses with one line.

The first-host commands are run for real against the files and node lists each scheduler documents (Slurm's
`scontrol show hostnames`, PBS's $PBS_NODEFILE, LSF's $LSB_DJOB_HOSTFILE with Summit's launch node first).
Regenerate the golden after an intended change with:
    python -c "from envkit.batch.goldens import golden_script; print(golden_script('tests/batch/profiles/slurm-torchrun.yaml', 2), end='')" > tests/batch/golden/slurm-torchrun-aigw-2n.sh
"""  # noqa: E501

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from envkit.batch.goldens import golden_script
from envkit.launch.hosts import allocation_first_host, rendezvous_port
from envkit.profile import load_profile
from envkit.schedulers.base import get_scheduler

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
PROFILES = HERE / "profiles"
PORT = rendezvous_port("RUN_ID")  # the golden scripts' run id, through the one port rule
ENDPOINT = f'--rdzv-endpoint="$ENVKIT_RDZV_HOST":{PORT}'
STARTERS = {  # one torchrun per node, with the node's GPUs and the cores of its ranks
    "slurm": "srun --nodes=2 --ntasks-per-node=1 --cpus-per-task=64 --gpus-per-task=4 ",
    "pbs": "mpiexec -n 2 --ppn 1 --depth 32 --cpu-bind depth ",
    "lsf": "jsrun -n2 -r1 -a1 -c42 -g6 ",
}


def _site(kind: str) -> str:
    return str(PROFILES / f"{kind}-torchrun.yaml")


def test_slurm_two_node_torchrun_script_is_the_golden() -> None:
    assert golden_script(_site("slurm"), 2) == (HERE / "golden" / "slurm-torchrun-aigw-2n.sh").read_text()


@pytest.mark.parametrize("kind", sorted(STARTERS))
def test_two_node_torchrun_script_per_scheduler(kind: str) -> None:
    profile = load_profile(_site(kind))
    assert profile.scheduler.kind == kind and profile.launcher.kind == "torchrun"
    script = golden_script(_site(kind), 2)
    assert subprocess.run(["bash", "-n"], input=script, text=True, capture_output=True).returncode == 0
    lines = script.splitlines()
    host_line = f"ENVKIT_RDZV_HOST=$({get_scheduler(kind).first_host})"
    assert host_line in lines
    launch = next(line.strip() for line in lines if ENDPOINT in line)
    assert lines.index(host_line) < next(i for i, line in enumerate(lines) if ENDPOINT in line)
    assert launch.startswith(STARTERS[kind]), launch
    per_node = profile.tasks_per_node
    assert f" torchrun --nnodes=2 --nproc_per_node={per_node} --rdzv-backend=c10d {ENDPOINT} " in launch
    assert "ENVKIT-RDZV-HOST" not in script  # the stand-in never reaches the script


def test_the_rendezvous_word_expands_to_the_host_and_port(tmp_path: Path) -> None:
    """The launch line's words, expanded by bash with the host the script read: one word HOST:PORT."""
    script = golden_script(_site("slurm"), 2)
    launch = next(line.strip() for line in script.splitlines() if ENDPOINT in line).removesuffix(" || status=$?")
    out = subprocess.run(["bash", "-c", f"printf '%s\\0' {launch}"], capture_output=True, text=True, check=True,
                         env={**os.environ, "ENVKIT_RDZV_HOST": "gpu 03"}).stdout.split("\0")[:-1]
    assert f"--rdzv-endpoint=gpu 03:{PORT}" in out  # even a host with a space stays one word
    assert out == shlex.split(launch.replace('"$ENVKIT_RDZV_HOST"', "'gpu 03'"))


def _first_host(kind: str, env: dict[str, str]) -> str:
    proc = subprocess.run(["bash", "-c", get_scheduler(kind).first_host], capture_output=True, text=True,
                          env={**os.environ, **env}, timeout=30)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def test_first_host_from_a_pbs_nodefile(tmp_path: Path) -> None:
    nodefile = tmp_path / "nodes"
    nodefile.write_text("x3001\nx3001\nx3002\nx3002\n")
    env = {"PBS_NODEFILE": str(nodefile)}
    assert _first_host("pbs", env) == "x3001" == allocation_first_host(env)


@pytest.mark.parametrize(("lines", "host"), [
    (["batch3"] + ["a01n01"] * 42 + ["a01n02"] * 42, "a01n01"),  # Summit: the launch node first, once
    (["h1", "h1", "h2", "h2"], "h1"),                             # no launch node: the first host's 2nd slot
    (["h1"], "h1"),                                               # one slot on one host
])
def test_first_host_from_an_lsf_hostfile(tmp_path: Path, lines: list[str], host: str) -> None:
    hostfile = tmp_path / "hosts"
    hostfile.write_text("\n".join(lines) + "\n")
    env = {"LSB_DJOB_HOSTFILE": str(hostfile)}
    assert _first_host("lsf", env) == host == allocation_first_host(env)


@pytest.mark.skipif(shutil.which("scontrol") is None, reason="Slurm not installed (apt-get install slurm-wlm)")
def test_first_host_from_a_slurm_node_list(tmp_path: Path) -> None:
    from tests.run.slurm_cluster import slurm_conf

    (tmp_path / "slurm.conf").write_text(slurm_conf(tmp_path, 1))  # scontrol reads a config before it parses
    env = {"SLURM_CONF": str(tmp_path / "slurm.conf"), "SLURM_JOB_NODELIST": "gpu[03-04,9],cpu1"}
    assert _first_host("slurm", env) == "gpu03" == allocation_first_host(env)


def _envkit(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLURM_", "PBS_", "LSB_", "ENVKIT_MASTER"))}
    return subprocess.run([sys.executable, "-m", "envkit.cli", *args], capture_output=True, text=True, cwd=REPO,
                          env={**clean, **env}, timeout=120)


def test_run_on_two_nodes_outside_a_job_is_refused_inside_one_per_node(tmp_path: Path) -> None:
    args = ("run", "--site", _site("slurm"), "workloads/aigw", "--nodes", "2", "--dry-run")
    store = {"ENVKIT_STORE": str(tmp_path / "store")}
    outside = _envkit(*args, env=store)
    assert outside.returncode == 2 and len(outside.stderr.strip().splitlines()) == 1
    assert "torchrun on more than one node needs a rendezvous host" in outside.stderr
    assert "Traceback" not in outside.stderr
    inside = _envkit(*args, env={**store, "SLURM_JOB_NODELIST": "gpu[03-04]"})
    assert inside.returncode == 0, inside.stderr
    line = inside.stdout.strip()
    run_id = shlex.split(line)[shlex.split(line).index("--run-id") + 1]
    assert line.startswith(STARTERS["slurm"]) and f"--rdzv-endpoint=gpu03:{rendezvous_port(run_id)} " in line


def test_torchrun_across_nodes_without_a_scheduler_is_each_nodes_own_line(tmp_path: Path) -> None:
    """No scheduler to start one per node: the line is the node's own torchrun, meeting at ENVKIT_MASTER_ADDR."""
    site = tmp_path / "local-torchrun.yaml"
    site.write_text("name: local-torchrun\nextends: local\nnodes:\n  count: 4\n"
                    "launcher:\n  kind: torchrun\n  args: []\n")
    proc = _envkit("run", "--site", str(site), "workloads/aigw", "--nodes", "2", "--dry-run",
                   env={"ENVKIT_STORE": str(tmp_path / "store"), "ENVKIT_MASTER_ADDR": "node1"})
    assert proc.returncode == 0, proc.stderr
    argv = shlex.split(proc.stdout)
    port = rendezvous_port(argv[argv.index("--run-id") + 1])
    assert f"--rdzv-endpoint=node1:{port}" in argv and "--nnodes=2" in argv
    assert not {"srun", "jsrun", "mpiexec"} & set(argv)

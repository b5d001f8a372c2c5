"""More than one node, for real: a Slurm controller and two compute nodes on this machine (scripts/cluster.sh),
each with its own hostname, network address and /tmp; envkit submits multi-node jobs to it that run inside the
Charliecloud image, and every rank records its host in metrics.json.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
from run.conftest import STORE, envkit, last_json

from envkit.launch.hosts import rendezvous_port

from .conftest import Cluster, cluster_sh

needs_charliecloud = pytest.mark.skipif(shutil.which("ch-image") is None, reason="Charliecloud not installed")
LOSS_STEPS = 40  # AI-GW smoke steps of the node-loss run; a checkpoint every 5


def test_bad_input_to_the_script_is_one_line_and_exit_2() -> None:
    bad = cluster_sh("fail", "node1; rm -rf /")
    assert bad.returncode == 2 and "expected a node name such as node2" in bad.stderr
    assert cluster_sh("frobnicate").returncode == 2
    nodes = cluster_sh("up", env={"ENVKIT_CLUSTER_NODES": "two"})
    assert nodes.returncode == 2 and nodes.stderr.count("\n") == 1 and "1..9" in nodes.stderr


@pytest.mark.slow
@pytest.mark.slurm
@pytest.mark.cluster
def test_each_node_has_its_own_host_address_and_tmp_and_shares_the_store(cluster: Cluster) -> None:
    marker = cluster.shared / "seen-by-all"
    marker.write_text("x")
    proc = cluster.srun("-N2", "--ntasks-per-node=1", "--label", "bash", "-c",
                        f"echo $(hostname) $(hostname -I) $(cat {marker}); "
                        "touch /tmp/mine-$(hostname); ls /tmp | grep -c '^mine-'")
    assert proc.returncode == 0, proc.stderr
    by_task: dict[str, list[str]] = {}
    for line in proc.stdout.splitlines():
        task, _, text = line.partition(": ")
        by_task.setdefault(task.strip(), []).append(text)
    assert sorted(by_task) == ["0", "1"], proc.stdout
    (host0, addr0, seen0), count0 = by_task["0"][0].split(), by_task["0"][1]
    (host1, addr1, seen1), count1 = by_task["1"][0].split(), by_task["1"][1]
    assert (host0, host1) == ("node1", "node2") and addr0 != addr1, proc.stdout
    assert addr0.startswith("10.217.22.") and addr1.startswith("10.217.22.")  # the private bridge only
    assert seen0 == seen1 == "x"  # the shared file system
    assert count0 == count1 == "1", proc.stdout  # each node sees only its own file in its own /tmp
    status = cluster_sh("status")
    assert status.returncode == 0 and "node2 idle" in status.stdout


@pytest.mark.slow
@pytest.mark.slurm
@pytest.mark.cluster
def test_up_twice_is_harmless(cluster: Cluster) -> None:
    again = cluster_sh("up")
    assert again.returncode == 0, again.stderr
    assert cluster.srun("-N2", "true").returncode == 0


def submit(cluster: Cluster, results: Path, run_id: str, *args: str, site: str = "local-cluster",
           nodes: int = 2, env: dict[str, str] | None = None):
    """`envkit submit ... --wait --json` of AI-GW to the cluster; the completed process."""
    before, after = (args[:args.index("--")], args[args.index("--"):]) if "--" in args else (args, ())
    return envkit("submit", "--site", site, "workloads/aigw", "--nodes", str(nodes), *before, "--store", str(STORE),
                  "--results", str(results), "--run-id", run_id, "--wait", "--json", *after,
                  env={**cluster.env, **(env or {})}, timeout=1200)


def metrics(results: Path, run_id: str) -> dict:
    return json.loads((results / run_id / "metrics.json").read_text())


@pytest.mark.slow
@pytest.mark.slurm
@pytest.mark.cluster
@pytest.mark.container
@needs_charliecloud
def test_ddp_srun_pmix_across_two_nodes(cluster: Cluster) -> None:
    """Must show 1: two hosts in metrics.json, world size 2, finished, shown by `envkit results --json`."""
    results = cluster.results("pmix")
    record = last_json(submit(cluster, results, "two", "--", "--preset", "smoke", "--steps", "20"))
    assert record["state"] == "COMPLETED"
    assert "#SBATCH --nodes=2" in (results / "two" / "job.sh").read_text()
    shown = last_json(envkit("results", "two", "--results", str(results), "--json", env=cluster.env))
    assert shown["state"] == "COMPLETED" and shown["metrics"]["world_size"] == 2
    assert shown["metrics"]["hosts"] == ["node1", "node2"]
    full = metrics(results, "two")
    assert full["hosts"] == ["node1", "node2"] and full["status"] == "finished" and full["dist"] == "ddp"
    assert full["launcher"] == "pmix" and full["engine"] == "charliecloud"
    assert full["loss_end"] < full["loss_start"]


@pytest.mark.extended
@pytest.mark.slow
@pytest.mark.slurm
@pytest.mark.cluster
@pytest.mark.container
@needs_charliecloud
def test_two_nodes_give_the_validation_metrics_of_one_node(cluster: Cluster) -> None:
    """The same global batch (2 ranks x 8) on one node and on two: the gradients are averaged over the
    same samples, so the weights and the validation metrics agree (up to summation order)."""
    results = cluster.results("same")
    steps = ["--", "--preset", "smoke", "--steps", "8", "--set", "eval_batches=2"]
    one = submit(cluster, results, "one", "--np", "2", *steps, nodes=1)
    two = submit(cluster, results, "two", *steps)
    assert last_json(one)["state"] == last_json(two)["state"] == "COMPLETED"
    m1, m2 = metrics(results, "one"), metrics(results, "two")
    assert m1["hosts"] in (["node1", "node1"], ["node2", "node2"]) and m2["hosts"] == ["node1", "node2"]
    assert m1["global_batch"] == m2["global_batch"] and m1["world_size"] == m2["world_size"] == 2
    assert m1["eval"].keys() == m2["eval"].keys() and m1["eval"]
    for key, value in m1["eval"].items():
        assert m2["eval"][key] == pytest.approx(value, rel=1e-4, abs=1e-6), key


@pytest.mark.slow
@pytest.mark.slurm
@pytest.mark.cluster
@pytest.mark.container
@pytest.mark.mpi
@needs_charliecloud
def test_horovod_across_two_nodes(cluster: Cluster) -> None:
    results = cluster.results("hvd")
    record = last_json(submit(cluster, results, "hvd", "--", "--dist", "horovod", "--preset", "smoke",
                              "--steps", "10"))
    assert record["state"] == "COMPLETED"
    full = metrics(results, "hvd")
    assert full["dist"] == "horovod" and full["world_size"] == 2 and full["hosts"] == ["node1", "node2"]


def wait_for(check, timeout: float, what: str, poll: float = 0.5):
    """Poll `check()` until it returns something true; that value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(poll)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def start(cluster: Cluster, results: Path, run_id: str, *runner: str, env: dict[str, str] | None = None) -> None:
    """Submit AI-GW on both nodes without waiting."""
    proc = envkit("submit", "--site", "local-cluster", "workloads/aigw", "--nodes", "2", "--store", str(STORE),
                  "--results", str(results), "--run-id", run_id, "--json", "--", *runner,
                  env={**cluster.env, **(env or {})}, timeout=1200)
    assert proc.returncode == 0, proc.stderr[-3000:]


def shown(cluster: Cluster, results: Path, run_id: str) -> dict:
    proc = envkit("results", run_id, "--results", str(results), "--json", env=cluster.env)
    lines = proc.stdout.strip().splitlines()
    assert lines, f"envkit results {run_id}: exit {proc.returncode}, no JSON: {proc.stderr[-2000:]}"
    return json.loads(lines[-1])


def ended(cluster: Cluster, results: Path, run_id: str, timeout: float = 600) -> dict:
    return wait_for(lambda: (lambda i: i if i["state"] in ("COMPLETED", "FAILED", "CANCELLED", "TIMEOUT")
                             else None)(shown(cluster, results, run_id)), timeout, f"run {run_id} to end", poll=2)


def weights(path: Path) -> dict:
    import torch

    return torch.load(path, map_location="cpu", weights_only=True)


@pytest.mark.extended
@pytest.mark.slow
@pytest.mark.slurm
@pytest.mark.cluster
@pytest.mark.container
@needs_charliecloud
def test_a_lost_node_fails_the_job_names_the_node_and_resume_ends_equal(cluster: Cluster) -> None:
    """Must show 3: node2 killed (its slurmd and every process) after the first checkpoint; the job is FAILED,
    `envkit results` names node2 and shows each node's last lines, every file in the run folder is whole,
    and `--resume` ends with the weights of an uninterrupted run of the same steps."""
    import torch

    results = cluster.results("loss")
    runner = ["--preset", "smoke", "--steps", str(LOSS_STEPS), "--checkpoint-every", "5"]
    last_json(submit(cluster, results, "ref", "--", *runner))  # uninterrupted
    start(cluster, results, "lost", *runner)
    run = results / "lost"
    wait_for(lambda: (run / "checkpoint.pt").is_file(), 600, "the first checkpoint", poll=0.2)
    lost = cluster_sh("fail", "node2")
    assert lost.returncode == 0, lost.stderr
    try:
        info = ended(cluster, results, "lost")
        assert info["state"] == "FAILED", info
        info = wait_for(lambda: (lambda i: i if i.get("failed_nodes") else None)(shown(cluster, results, "lost")),
                        90, "Slurm to mark node2 down")
    finally:
        assert cluster_sh("up").returncode == 0  # node2 back for the resume and the tests after this one
    assert info["failed_nodes"] == ["node2"], info  # `nodes`: Slurm's word on the nodes it still places the job on
    assert info["node_log_tails"].get("node1"), info  # rank 0's last lines, placed on its node
    text = envkit("results", "lost", "--results", str(results), env=cluster.env)
    assert text.returncode == 1 and "failed node(s): node2" in text.stderr and "last lines from node1:" in text.stderr
    # nothing half-written: no temporary files left, every JSON file parses, the checkpoint loads
    assert not [p.name for p in run.iterdir() if ".tmp" in p.name or p.name.startswith(".")], list(run.iterdir())
    for path in run.glob("*.json"):
        json.loads(path.read_text())
    step = torch.load(run / "checkpoint.pt", map_location="cpu", weights_only=False)["step"]
    assert 0 < step < LOSS_STEPS
    resumed = last_json(submit(cluster, results, "lost", "--", *runner, "--resume"))
    assert resumed["state"] == "COMPLETED"
    record = metrics(results, "lost")
    assert record["resumed_from"] and record["steps"] == LOSS_STEPS and record["hosts"] == ["node1", "node2"]
    ref, again = weights(results / "ref" / "model_final.pt"), weights(run / "model_final.pt")
    assert ref.keys() == again.keys() and ref
    for key in ref:
        assert torch.allclose(ref[key].float(), again[key].float(), atol=1e-6, rtol=1e-5), key


@pytest.mark.extended
@pytest.mark.slow
@pytest.mark.slurm
@pytest.mark.cluster
@pytest.mark.container
@needs_charliecloud
def test_a_rank_hanging_in_a_collective_is_ended_by_the_timeout(cluster: Cluster) -> None:
    """Rank 1 (node2) stopped with SIGSTOP mid-training: rank 0 waits in the gradient all-reduce until
    ENVKIT_COLLECTIVE_TIMEOUT, then ends with a line naming itself and the collective; the job fails."""
    results = cluster.results("hang")
    start(cluster, results, "hang", "--preset", "smoke", "--steps", "100000", "--log-every", "1",
          env={"ENVKIT_COLLECTIVE_TIMEOUT": "15"})
    log = results / "hang" / "job.log"
    wait_for(lambda: log.is_file() and "[rank 0/2] step" in log.read_text(errors="replace"), 600, "training")
    rank1 = [pid for pid in subprocess.run(["ip", "netns", "pids", "ekc-node2"], capture_output=True,
                                           text=True).stdout.split()
             if "envkit.train" in Path(f"/proc/{pid}/cmdline").read_text(errors="replace").replace("\0", " ")]
    assert rank1, "no training process on node2"
    for pid in rank1:
        os.kill(int(pid), signal.SIGSTOP)
    started = time.monotonic()
    info = ended(cluster, results, "hang", timeout=300)
    assert info["state"] == "FAILED"
    waited = time.monotonic() - started
    text = log.read_text(errors="replace")
    found = re.search(r"rank 0 of 2 waited more than 15 s in (all_reduce of gradients \(DDP backward, step \d+\)|"
                      r"all_reduce \(sum\)|all_gather_object|broadcast\S*|barrier)", text)
    assert found, text[-3000:]  # the rank and the collective, in one line
    assert 15 <= waited < 240


@pytest.mark.slow
@pytest.mark.slurm
@pytest.mark.cluster
@pytest.mark.container
@pytest.mark.mpi
@needs_charliecloud
def test_mpirun_inside_the_allocation_across_two_nodes(cluster: Cluster) -> None:
    """Open MPI's mpirun in the batch script: it starts its daemons on the job's nodes through Slurm."""
    results = cluster.results("mpirun")
    root = {"OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1"}  # the test jobs run as root
    record = last_json(submit(cluster, results, "mpirun", "--launcher", "mpirun", "--", "--preset", "smoke",
                              "--steps", "10", env=root))
    assert record["state"] == "COMPLETED"
    assert "mpirun -np 2 --map-by ppr:1:node" in (results / "mpirun" / "job.sh").read_text()
    full = metrics(results, "mpirun")
    assert full["launcher"] == "openmpi" and full["world_size"] == 2 and full["hosts"] == ["node1", "node2"]


@pytest.mark.slow
@pytest.mark.slurm
@pytest.mark.cluster
@pytest.mark.container
@needs_charliecloud
def test_torchrun_across_two_nodes_meets_at_the_first_host(cluster: Cluster) -> None:
    """One torchrun per node (srun), the c10d rendezvous at the first host of the node list, read when the
    job runs."""
    results = cluster.results("torchrun")
    record = last_json(submit(cluster, results, "trun", "--launcher", "torchrun", "--", "--preset", "smoke",
                              "--steps", "10"))
    assert record["state"] == "COMPLETED"
    script = (results / "trun" / "job.sh").read_text()
    assert 'ENVKIT_RDZV_HOST=$(scontrol show hostnames "$SLURM_JOB_NODELIST"' in script
    assert f'--rdzv-endpoint="$ENVKIT_RDZV_HOST":{rendezvous_port("trun")}' in script
    full = metrics(results, "trun")
    assert full["launcher"] == "torchrun" and full["world_size"] == 2 and full["hosts"] == ["node1", "node2"]


@pytest.mark.slow
@pytest.mark.slurm
@pytest.mark.cluster
@pytest.mark.container
@pytest.mark.mpi
@needs_charliecloud
def test_mpich_hydra_inside_the_allocation_across_two_nodes(cluster: Cluster) -> None:
    """MPICH across the nodes: the local-mpich image (Debian's MPICH 4.0.2 inside and outside) on the cluster,
    ranks started by the host's Hydra mpiexec in the batch script, which finds the nodes from Slurm and starts
    its proxies on them with srun."""
    results = cluster.results("mpich")
    record = last_json(submit(cluster, results, "mpich", "--", "--preset", "smoke", "--steps", "10",
                              site="local-cluster-mpich"))
    assert record["state"] == "COMPLETED", (results / "mpich" / "job.log").read_text()[-3000:]
    assert "mpiexec.mpich -n 2 -ppn 1 " in (results / "mpich" / "job.sh").read_text()
    full = metrics(results, "mpich")
    # the PMI shim (envkit.launch.pmi_env) hands Hydra's PMI_RANK/PMI_SIZE to the runner as torchrun's names
    assert full["launcher"] == "torchrun" and full["world_size"] == 2 and full["hosts"] == ["node1", "node2"]

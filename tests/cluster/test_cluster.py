"""More than one node, for real: a Slurm controller and two compute nodes on this machine (scripts/cluster.sh),
each with its own hostname, network address and /tmp; envkit submits multi-node jobs to it that run inside the
Charliecloud image, and every rank records its host in metrics.json.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from run.conftest import STORE, envkit, last_json

from .conftest import Cluster, cluster_sh

needs_charliecloud = pytest.mark.skipif(shutil.which("ch-image") is None, reason="Charliecloud not installed")
on_cluster = [pytest.mark.slow, pytest.mark.slurm, pytest.mark.cluster]


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

"""Rank discovery for each launcher and the rendezvous address."""

from __future__ import annotations

import pytest

from envkit.launch.hosts import rendezvous_port
from envkit.train.dist import DistError, Placement, discover, first_host, init_address, setup


@pytest.mark.parametrize("env,expected", [
    ({"RANK": "3", "WORLD_SIZE": "8", "LOCAL_RANK": "1", "LOCAL_WORLD_SIZE": "4"}, (3, 8, 1, "torchrun")),
    ({"OMPI_COMM_WORLD_RANK": "5", "OMPI_COMM_WORLD_SIZE": "6", "OMPI_COMM_WORLD_LOCAL_RANK": "2"},
     (5, 6, 2, "openmpi")),
    ({"JSM_NAMESPACE_RANK": "7", "JSM_NAMESPACE_SIZE": "12", "JSM_NAMESPACE_LOCAL_RANK": "1"},
     (7, 12, 1, "jsrun")),
    ({"PMIX_RANK": "2", "PMIX_SIZE": "4"}, (2, 4, 0, "pmix")),
    ({"SLURM_PROCID": "9", "SLURM_NTASKS": "16", "SLURM_LOCALID": "1", "SLURM_STEP_ID": "0"},
     (9, 16, 1, "slurm")),
    ({"SLURM_PROCID": "1", "SLURM_STEP_NUM_TASKS": "2", "SLURM_NTASKS": "8", "SLURM_LOCALID": "1",
      "SLURM_STEPID": "3"}, (1, 2, 1, "slurm")),
    ({"SLURM_PROCID": "0", "SLURM_NTASKS": "4"}, (0, 1, 0, "single")),  # batch script, not a step
    ({"OMPI_COMM_WORLD_RANK": "1", "OMPI_COMM_WORLD_SIZE": "2", "SLURM_PROCID": "0", "SLURM_NTASKS": "1",
      "SLURM_STEP_ID": "0"}, (1, 2, 0, "openmpi")),  # mpirun inside an allocation
    ({}, (0, 1, 0, "single")),
])
def test_discover(env, expected):
    p = discover(env)
    assert (p.rank, p.world_size, p.local_rank, p.launcher) == expected


def test_bad_number_is_a_clear_error():
    with pytest.raises(DistError, match="OMPI_COMM_WORLD_SIZE"):
        discover({"OMPI_COMM_WORLD_RANK": "0", "OMPI_COMM_WORLD_SIZE": "two"})


@pytest.mark.parametrize("nodes,host", [("hal07", "hal07"), ("hal[07-09],hal12", "hal07"),
                                        ("gpu[3,5-6]", "gpu3"), ("a1,a2", "a1")])
def test_first_host(nodes, host):
    assert first_host(nodes) == host


def test_init_address_env_and_slurm():
    place = Placement(0, 4, 0, 4, "slurm")
    assert init_address(place, {"MASTER_ADDR": "x", "MASTER_PORT": "1"}) == "env://"
    addr = init_address(place, {"SLURM_STEP_NODELIST": "n[01-02]", "SLURM_JOB_ID": "1234"})
    assert addr == f"tcp://n01:{rendezvous_port('1234')}"   # the one rendezvous rule, keyed by the job id
    with pytest.raises(DistError, match="MASTER_ADDR"):
        init_address(Placement(0, 2, 0, 2, "torchrun"), {})


def test_single_process_context():
    ctx = setup("ddp", "cpu", env={})
    assert ctx.world_size == 1 and ctx.is_root and ctx.all_gather_object(3) == [3]
    ctx.shutdown()


def test_horovod_missing_is_one_line(monkeypatch):
    import builtins

    real = builtins.__import__

    def fake(name, *a, **k):
        if name.startswith("horovod"):
            raise ImportError("No module named 'horovod'")
        return real(name, *a, **k)

    monkeypatch.setattr(builtins, "__import__", fake)
    with pytest.raises(DistError, match="--dist horovod needs Horovod") as err:
        setup("horovod", "cpu")
    assert "\n" not in str(err.value)

"""Distributed training: where this process sits (rank discovery) and the DDP / Horovod back ends.

Rank discovery reads the launcher's environment, first match wins:
torchrun (RANK, WORLD_SIZE, LOCAL_RANK), Open MPI / Spectrum MPI (OMPI_COMM_WORLD_*), jsrun
(JSM_NAMESPACE_RANK/SIZE/LOCAL_RANK), PMIx (PMIX_RANK, size from mpi4py), Slurm inside a step
(SLURM_PROCID, SLURM_STEP_NUM_TASKS or SLURM_NTASKS, SLURM_LOCALID). For DDP, MASTER_ADDR/MASTER_PORT
are used when set; otherwise rank 0 picks a free port and broadcasts a tcp:// address with mpi4py
(under Slurm without MPI: the first host of the step's node list and a port derived from the job id).

Example:
    >>> discover({"OMPI_COMM_WORLD_RANK": "1", "OMPI_COMM_WORLD_SIZE": "4",
    ...           "OMPI_COMM_WORLD_LOCAL_RANK": "1"}).rank
    1
    >>> discover({}).world_size
    1
"""

from __future__ import annotations

import gc
import os
import socket
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import torch

from envkit.launch.hosts import first_host, rendezvous_port  # torch-free, shared with `envkit run`


class DistError(RuntimeError):
    """A distributed set-up problem the user can fix (printed as one line)."""


@dataclass(frozen=True)
class Placement:
    """This process's place in the job."""

    rank: int = 0
    world_size: int = 1
    local_rank: int = 0
    local_size: int = 1
    launcher: str = "single"


def _int(env: Mapping[str, str], *names: str) -> int | None:
    for name in names:
        value = env.get(name)
        if value not in (None, ""):
            try:
                return int(str(value).split("(")[0].split(",")[0])
            except ValueError:
                raise DistError(f"{name}={value!r} is not an integer") from None
    return None


def discover(env: Mapping[str, str] | None = None) -> Placement:
    """Rank, world size and local rank from the launcher's environment (see the module docstring)."""
    env = os.environ if env is None else env
    if "RANK" in env and "WORLD_SIZE" in env:
        world = _int(env, "WORLD_SIZE") or 1
        return Placement(_int(env, "RANK") or 0, world, _int(env, "LOCAL_RANK") or 0,
                         _int(env, "LOCAL_WORLD_SIZE") or world, "torchrun")
    if "OMPI_COMM_WORLD_RANK" in env:
        world = _int(env, "OMPI_COMM_WORLD_SIZE") or 1
        return Placement(_int(env, "OMPI_COMM_WORLD_RANK") or 0, world,
                         _int(env, "OMPI_COMM_WORLD_LOCAL_RANK") or 0,
                         _int(env, "OMPI_COMM_WORLD_LOCAL_SIZE") or world, "openmpi")
    if "JSM_NAMESPACE_RANK" in env:
        world = _int(env, "JSM_NAMESPACE_SIZE") or 1
        return Placement(_int(env, "JSM_NAMESPACE_RANK") or 0, world,
                         _int(env, "JSM_NAMESPACE_LOCAL_RANK") or 0,
                         _int(env, "JSM_NAMESPACE_LOCAL_SIZE") or world, "jsrun")
    if "PMIX_RANK" in env:
        world = _int(env, "PMIX_SIZE") or _mpi_size() or 1
        return Placement(_int(env, "PMIX_RANK") or 0, world, _int(env, "PMIX_LOCAL_RANK") or 0,
                         _int(env, "PMIX_LOCAL_SIZE") or world, "pmix")
    if "SLURM_PROCID" in env and ("SLURM_STEP_ID" in env or "SLURM_STEPID" in env):
        world = _int(env, "SLURM_STEP_NUM_TASKS", "SLURM_NTASKS") or 1
        return Placement(_int(env, "SLURM_PROCID") or 0, world, _int(env, "SLURM_LOCALID") or 0,
                         _int(env, "SLURM_STEP_TASKS_PER_NODE", "SLURM_NTASKS_PER_NODE") or world, "slurm")
    return Placement()


def _mpi_size() -> int | None:
    try:
        from mpi4py import MPI
    except ImportError:
        return None
    return MPI.COMM_WORLD.Get_size()


def free_port() -> int:
    """A TCP port that is free right now on this host."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("", 0))
        return int(s.getsockname()[1])


def init_address(place: Placement, env: Mapping[str, str] | None = None) -> str:
    """The init_method for torch.distributed: env://, a tcp:// address broadcast with mpi4py, or Slurm's."""
    env = os.environ if env is None else env
    if env.get("MASTER_ADDR") and env.get("MASTER_PORT"):
        return "env://"
    if place.launcher in ("openmpi", "jsrun", "pmix"):
        return _mpi_address(place, env)
    if place.launcher == "slurm":
        nodes = env.get("SLURM_STEP_NODELIST") or env.get("SLURM_JOB_NODELIST") or env.get("SLURM_NODELIST")
        if not nodes:
            raise DistError("Slurm step without a node list; set MASTER_ADDR and MASTER_PORT")
        port = rendezvous_port(env.get("SLURM_JOB_ID"))  # envkit.launch.hosts: the one port rule
        try:
            return f"tcp://{first_host(nodes)}:{port}"
        except ValueError as exc:  # NodeListError
            raise DistError(str(exc)) from None
    raise DistError(f"{place.world_size} ranks but no rendezvous address: set MASTER_ADDR and MASTER_PORT")


def _mpi_address(place: Placement, env: Mapping[str, str]) -> str:
    """A tcp:// address on rank 0's host (ENVKIT_MASTER_ADDR, else loopback when every rank is on one
    host, else its resolved name) with a free port, broadcast to every rank with mpi4py."""
    try:
        from mpi4py import MPI
    except ImportError:
        raise DistError("set MASTER_ADDR and MASTER_PORT, or install mpi4py so rank 0 can share "
                        "an address") from None
    comm = MPI.COMM_WORLD
    if comm.Get_size() != place.world_size:
        raise DistError(f"mpi4py sees {comm.Get_size()} ranks, the launcher says "
                        f"{place.world_size}; set MASTER_ADDR and MASTER_PORT")
    hosts = comm.allgather(socket.gethostname())
    address = None
    if comm.Get_rank() == 0:
        if env.get("ENVKIT_MASTER_ADDR"):
            host = env["ENVKIT_MASTER_ADDR"]
        elif len(set(hosts)) == 1:
            host = "127.0.0.1"
        else:
            host = socket.gethostbyname(socket.gethostname())
        address = f"tcp://{host}:{free_port()}"
    return str(comm.bcast(address, root=0))


def pick_device(place: Placement, want: str = "auto") -> torch.device:
    """cuda:<local rank mod visible GPUs> when a GPU is there (or asked for), else cpu."""
    if want == "cpu" or (want == "auto" and not torch.cuda.is_available()):
        return torch.device("cpu")
    if not torch.cuda.is_available():
        raise DistError("--device cuda asked for, but torch sees no CUDA device")
    index = place.local_rank % torch.cuda.device_count()
    torch.cuda.set_device(index)
    return torch.device("cuda", index)


class Context:
    """One training process's view of the job: rank, device, collectives, and how to wrap a model.

    >>> ctx = setup("none", "cpu")
    >>> ctx.world_size, ctx.all_reduce_sum(torch.ones(2)).tolist()
    (1, [1.0, 1.0])
    """

    def __init__(self, kind: str, place: Placement, device: torch.device, hvd: Any = None) -> None:
        self.kind = kind
        self.place = place
        self.device = device
        self.hvd = hvd

    @property
    def rank(self) -> int:
        return self.place.rank

    @property
    def world_size(self) -> int:
        return self.place.world_size

    @property
    def is_root(self) -> bool:
        return self.place.rank == 0

    @property
    def _ddp(self) -> bool:
        return self.kind == "ddp" and self.world_size > 1

    def wrap_model(self, model: torch.nn.Module) -> torch.nn.Module:
        """DDP around the model for `ddp` with more than one rank; the model itself otherwise."""
        if not self._ddp:
            return model
        from torch.nn.parallel import DistributedDataParallel

        ids = [self.device.index] if self.device.type == "cuda" else None
        return DistributedDataParallel(model, device_ids=ids, gradient_as_bucket_view=True)

    def wrap_optimizer(self, optimizer: torch.optim.Optimizer, model: torch.nn.Module,
                       backward_passes: int = 1) -> Any:
        """Horovod's DistributedOptimizer (and rank 0's weights and state everywhere) for `horovod`;
        `backward_passes` micro-batches are accumulated before each allreduce."""
        if self.kind != "horovod":
            return optimizer
        hvd = self.hvd
        hvd.broadcast_parameters(model.state_dict(), root_rank=0)
        hvd.broadcast_optimizer_state(optimizer, root_rank=0)
        return hvd.DistributedOptimizer(optimizer, named_parameters=model.named_parameters(),
                                        backward_passes_per_step=backward_passes)

    def sync_buffers(self, model: torch.nn.Module) -> None:
        """Rank 0's buffers (BatchNorm running statistics) on every rank, before evaluating: in training
        each rank updates its own from its own samples, so without this rank 1 would score its share of
        the validation set with other statistics than rank 0 (DDP only broadcasts them at a training
        forward)."""
        buffers = [b for b in model.buffers() if b.is_floating_point() or b.dtype == torch.long]
        if not buffers or self.world_size == 1:
            return
        if self._ddp:
            import torch.distributed as dist

            for b in buffers:
                dist.broadcast(b.data, src=0)
        elif self.kind == "horovod":
            self.hvd.broadcast_parameters(dict(model.named_buffers()), root_rank=0)

    def all_reduce_sum(self, tensor: torch.Tensor) -> torch.Tensor:
        """Sum over ranks (a new tensor for Horovod, in place for DDP)."""
        if self._ddp:
            import torch.distributed as dist

            dist.all_reduce(tensor, op=dist.ReduceOp.SUM)
            return tensor
        if self.kind == "horovod" and self.world_size > 1:
            return self.hvd.allreduce(tensor, op=self.hvd.Sum)
        return tensor

    def all_gather_object(self, obj: Any) -> list[Any]:
        """Every rank's `obj`, in rank order."""
        if self._ddp:
            import torch.distributed as dist

            out: list[Any] = [None] * self.world_size
            dist.all_gather_object(out, obj)
            return out
        if self.kind == "horovod" and self.world_size > 1:
            return list(self.hvd.allgather_object(obj))
        return [obj]

    def broadcast_object(self, obj: Any) -> Any:
        """Rank 0's `obj` on every rank."""
        if self._ddp:
            import torch.distributed as dist

            box = [obj]
            dist.broadcast_object_list(box, src=0)
            return box[0]
        if self.kind == "horovod" and self.world_size > 1:
            return self.hvd.broadcast_object(obj, root_rank=0)
        return obj

    def barrier(self) -> None:
        if self._ddp:
            import torch.distributed as dist

            dist.barrier()
        elif self.kind == "horovod" and self.world_size > 1:
            self.hvd.barrier() if hasattr(self.hvd, "barrier") else self.hvd.allreduce(torch.zeros(1))

    def shutdown(self) -> None:
        """Clean exit: drop DDP objects first, then barrier and destroy the process group."""
        gc.collect()
        if self._ddp:
            import torch.distributed as dist

            if dist.is_initialized():
                dist.barrier()
                dist.destroy_process_group()
        elif self.kind == "horovod":
            self.hvd.shutdown()


def setup(kind: str = "none", device: str = "auto", env: Mapping[str, str] | None = None) -> Context:
    """Start the back end `kind` (none, ddp, horovod) and pick this rank's device."""
    if kind == "horovod":
        try:
            import horovod.torch as hvd
        except ImportError as exc:
            raise DistError(f"--dist horovod needs Horovod built with PyTorch support ({exc}); "
                            "install horovod[pytorch] or use --dist ddp") from None
        hvd.init()
        place = Placement(hvd.rank(), hvd.size(), hvd.local_rank(), hvd.local_size(), "horovod")
        return Context("horovod", place, pick_device(place, device), hvd)
    place = discover(env)
    if kind == "none":
        if place.world_size > 1 and place.rank == 0:
            print(f"warning: {place.world_size} ranks launched with --dist none: each trains alone",
                  file=sys.stderr)
        return Context("none", Placement(0, 1, 0, 1, place.launcher), pick_device(place, device))
    if kind != "ddp":
        raise DistError(f"unknown --dist {kind!r} (choose none, ddp, horovod)")
    dev = pick_device(place, device)
    if place.world_size > 1:
        import torch.distributed as dist

        backend = "nccl" if dev.type == "cuda" else "gloo"
        kwargs: dict[str, Any] = {"device_id": dev} if dev.type == "cuda" else {}
        dist.init_process_group(backend, init_method=init_address(place, env), rank=place.rank,
                                world_size=place.world_size, **kwargs)
    return Context("ddp", place, dev)

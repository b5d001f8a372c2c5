"""Predict data-parallel scaling on machines we cannot reach: an alpha-beta all-reduce model with overlap.

Inputs: a measured single-device throughput T1 (samples/s), the per-device batch b, the gradient bytes G
(parameters x 4 for fp32 gradients), the GPUs per node, the in-node GPU link and the network bandwidth per
node. One optimizer step on p devices takes

    t_c    = b / T1                                        compute, as measured on one device
    t_ring = 2 (p-1) alpha + 2 (p-1)/p * G / B             ring all-reduce
    t_tree = 2 log2(p) alpha + 2 G / B                     double binary tree all-reduce
    t_comm = min(t_ring, t_tree)                           (NCCL picks the faster), B = link inside a node,
                                                           min(link, network) across nodes
    t_step = t_c + max(0, t_comm - overlap * 2/3 * t_c)    backward (about 2/3 of t_c) hides communication

so throughput(p) = p b / t_step and efficiency = t_c / t_step. By construction: p = 1 gives T1 exactly,
efficiency never exceeds 1, and more bandwidth is never slower. It leaves out I/O, data loading, start-up,
stragglers and the extra epochs a larger global batch may need: where the paper's figures differ, those
are the usual suspects (each row says which term dominates).

Example:
    >>> m = Machine(gpus_per_node=4, link_bw=130e9, net_bw=12.5e9)
    >>> w = Work(throughput=781.0, batch=208, grad_bytes=4 * 25_557_032)
    >>> round(predict(w, m, 1).throughput, 1)
    781.0
    >>> 0 < predict(w, m, 64).efficiency <= 1
    True
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from envkit.errors import EnvkitError

if TYPE_CHECKING:
    from envkit.profile.model import Profile

# In-node GPU link: all-reduce bus bandwidth in bytes/s, as nccl-tests reports it [check per system].
LINK_BW = {"nvlink 2.0": 130e9, "nvlink 3.0": 230e9, "nvlink 4.0": 370e9, "pcie": 12e9}
# Network per node when the profile gives no speed: the fabric's common rate in bytes/s.
FABRIC_BW = {"infiniband": 12.5e9, "omni-path": 12.5e9, "slingshot": 25e9, "ethernet": 1.25e9, "none": 0.0}
ALPHA = 5e-6  # seconds per message hop (MPI/NCCL latency order of magnitude) [check]


@dataclass(frozen=True)
class Machine:
    """What the model needs to know about a system."""

    gpus_per_node: int
    link_bw: float
    net_bw: float
    alpha: float = ALPHA


@dataclass(frozen=True)
class Work:
    """What the model needs to know about a workload on one device."""

    throughput: float  # samples/s on one device
    batch: int  # samples per device per step
    grad_bytes: float
    overlap: float = 1.0  # fraction of the backward pass that hides communication (0..1)


@dataclass(frozen=True)
class Point:
    """The prediction for one device count."""

    gpus: int
    step_s: float
    compute_s: float
    comm_s: float
    throughput: float
    efficiency: float

    @property
    def speedup(self) -> float:
        return self.efficiency * self.gpus


def allreduce_seconds(grad_bytes: float, gpus: int, m: Machine) -> float:
    """Time of one all-reduce of `grad_bytes` over `gpus` devices (0 for one device)."""
    if gpus <= 1:
        return 0.0
    bw = m.link_bw if gpus <= m.gpus_per_node else min(m.link_bw, m.net_bw)
    if bw <= 0:
        raise EnvkitError(f"{gpus} devices span nodes but the site has no network bandwidth (interconnect: none)")
    ring = 2 * (gpus - 1) * m.alpha + 2 * (gpus - 1) / gpus * grad_bytes / bw
    tree = 2 * math.log2(gpus) * m.alpha + 2 * grad_bytes / bw
    return min(ring, tree)


def predict(w: Work, m: Machine, gpus: int) -> Point:
    """Step time, throughput and efficiency on `gpus` devices."""
    if gpus < 1 or w.throughput <= 0 or w.batch < 1:
        raise EnvkitError("gpus, throughput and batch must be positive")
    compute = w.batch / w.throughput
    comm = allreduce_seconds(w.grad_bytes, gpus, m)
    hidden = min(max(w.overlap, 0.0), 1.0) * 2 / 3 * compute
    step = compute + max(0.0, comm - hidden)
    return Point(gpus, step, compute, comm, gpus * w.batch / step, compute / step)


def bandwidth_from_text(text: str | None) -> float | None:
    """Bytes/s from a profile's speed text: '200 Gb/s' -> 25e9; 'EDR 100 Gb/s (dual rail)' -> 25e9.

    >>> bandwidth_from_text("EDR 100 Gb/s (dual rail)")
    25000000000.0
    """
    if not text:
        return None
    match = re.search(r"([\d.]+)\s*Gb/s", text)
    if not match:
        return None
    rails = 2 if "dual" in text.lower() else 1
    return float(match.group(1)) * 1e9 / 8 * rails


def machine_for(profile: Profile) -> Machine:
    """The model's view of a site profile: GPUs per node, link and network bandwidth."""
    link = LINK_BW.get((profile.gpu.link or "pcie").lower(), LINK_BW["pcie"])
    net = bandwidth_from_text(profile.interconnect.speed)
    if net is None:
        net = FABRIC_BW[profile.interconnect.fabric]
    return Machine(gpus_per_node=max(1, profile.gpu.per_node or profile.tasks_per_node), link_bw=link, net_bw=net)

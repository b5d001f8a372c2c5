"""AI-GW activation memory at the paper's size, estimated on any machine from what autograd saves.

Counts the bytes autograd keeps for backward (saved-tensor hooks) for a short input, per sample and time
step, and scales to the paper's 101,300 steps and the batch per device: the network is convolutional up
to the last 10,000 steps, so saved activations grow linearly in length. With `checkpoint_blocks` only
each block's input is kept and one block is recomputed at a time during backward, so the peak adds one
block's activations. Parameters, gradients and Adam's two moments are added. A GPU measurement
(torch.cuda.max_memory_allocated) replaces this estimate where a GPU is at hand: `--device cuda`.

Example:
    python bench/aigw_memory.py                 # estimate, CPU
    python bench/aigw_memory.py --device cuda   # measured peak on the GPU for each configuration
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from envkit.train import workload  # noqa: E402

GIB = 1024**3


def saved_bytes(model: torch.nn.Module, loss_fn, x: torch.Tensor, y: torch.Tensor, dtype) -> int:  # type: ignore[no-untyped-def]
    total = [0]

    def pack(t: torch.Tensor) -> torch.Tensor:
        total[0] += t.numel() * t.element_size()
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t), \
            torch.autocast(x.device.type, dtype=dtype, enabled=dtype is not None):
        loss = loss_fn(model(x), y)
    loss.backward()
    return total[0]


def measured_peak(model: torch.nn.Module, loss_fn, batch: int, micro: int, length: int, dtype) -> float:  # type: ignore[no-untyped-def]
    opt = torch.optim.Adam(model.parameters(), lr=5e-4)
    x, y = torch.randn(batch, length, 1, device="cuda"), torch.randn(batch, 5, device="cuda")
    torch.cuda.reset_peak_memory_stats()
    for _ in range(2):
        for xs, ys in zip(x.chunk(micro), y.chunk(micro), strict=True):
            with torch.autocast("cuda", dtype=dtype, enabled=dtype is not None):
                loss = loss_fn(model(xs), ys) / micro
            loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
    torch.cuda.synchronize()
    return torch.cuda.max_memory_allocated() / GIB


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--batch", type=int, default=64, help="samples per optimizer step per device")
    p.add_argument("--length", type=int, default=101_300)
    p.add_argument("--probe-length", type=int, default=4096, help="input length of the CPU count")
    p.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    args = p.parse_args()

    aigw = workload.load("aigw")
    hp = {**aigw.preset("paper"), "dropout": 0.0}
    configs = [("eager fp32", False, 1, None), ("eager bf16", False, 1, torch.bfloat16),
               ("checkpoint fp32", True, 1, None), ("checkpoint bf16", True, 1, torch.bfloat16),
               ("checkpoint fp32, 2 micro-batches", True, 2, None),
               ("checkpoint bf16, 2 micro-batches", True, 2, torch.bfloat16)]
    out: dict[str, dict[str, float | str]] = {}
    if args.device == "cuda":
        for name, ckpt, micro, dtype in configs:
            model = aigw.module.build_model({**hp, "checkpoint_blocks": ckpt}).cuda()
            try:
                out[name] = {"peak_gib": round(measured_peak(model, aigw.module.loss, args.batch, micro,
                                                             args.length, dtype), 2), "how": "measured"}
            except torch.OutOfMemoryError:
                out[name] = {"peak_gib": "out of memory", "how": "measured"}
            del model
            torch.cuda.empty_cache()
        print(json.dumps({"batch": args.batch, "length": args.length, "device": torch.cuda.get_device_name(),
                          "configs": out}, indent=2))
        return 0
    probe = {**hp, "seq_len": args.probe_length, "keep": min(hp["keep"], args.probe_length // 2)}
    torch.manual_seed(0)
    base = aigw.module.build_model(probe)
    x, y = torch.randn(2, args.probe_length, 1), torch.randn(2, 5)
    paper = aigw.module.build_model(hp)
    fixed = sum(t.numel() * t.element_size() for t in paper.parameters()) * 4  # weights, grads, Adam m and v
    per_step = {}
    for dtype in (None, torch.bfloat16):
        plain = saved_bytes(copy.deepcopy(base), aigw.module.loss, x, y, dtype) / (2 * args.probe_length)
        ck_model = copy.deepcopy(base)
        ck_model.checkpoint_blocks = True
        ck = saved_bytes(ck_model, aigw.module.loss, x, y, dtype) / (2 * args.probe_length)
        per_step[dtype] = (plain, ck, (plain - ck) / len(base.blocks))
    for name, ckpt, micro, dtype in configs:
        plain, ck, one_block = per_step[dtype]
        samples = args.batch // micro
        act = (ck + one_block if ckpt else plain) * samples * args.length
        inputs = args.batch * args.length * 4
        out[name] = {"peak_gib": round((act + fixed + inputs) / GIB, 2), "how": "estimated (saved tensors)"}
    print(json.dumps({"batch": args.batch, "length": args.length, "device": "cpu estimate",
                      "bytes_per_sample_step": {str(k): [round(v, 1) for v in vals] for k, vals in per_step.items()},
                      "configs": out}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

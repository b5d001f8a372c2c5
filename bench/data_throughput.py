"""Read throughput of envkit's sharded HDF5 loader, with the copy to the device.

Reads `--data` (a train.h5 made by `envkit data ...`), or a temporary file of random rows shaped like a
workload's samples (`--shape`, default AI-GW paper: 101300 floats). `--steps` batches per interval,
`--iters` intervals after `--warmup` batches; prints samples/s and MB/s as mean +- 1.96 sigma.

Example:
    python bench/data_throughput.py --shape 101300 --n 512 --batch 64 --workers 2 --device cpu
    python bench/data_throughput.py --data data/aigw/train.h5 --batch 64 --device cuda
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main(argv: list[str] | None = None) -> int:
    import h5py
    import numpy as np
    import torch

    from envkit.data.loaders import h5_loader
    from envkit.train.metrics import mean_ci95

    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", help="an HDF5 file with x and y (default: a temporary random one)")
    p.add_argument("--shape", default="101300", help="sample shape for the temporary file, e.g. 64,64")
    p.add_argument("--n", type=int, default=1024, help="rows in the temporary file")
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--steps", type=int, default=4, help="batches per timed interval")
    p.add_argument("--iters", type=int, default=5)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--block", type=int, default=16, help="contiguous samples per read")
    p.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    a = p.parse_args(argv)
    dev = torch.device("cuda" if a.device == "cuda" or (a.device == "auto" and torch.cuda.is_available())
                       else "cpu")
    with tempfile.TemporaryDirectory() as tmp:
        path = a.data
        if not path:
            path = str(Path(tmp) / "bench.h5")
            shape = tuple(int(s) for s in a.shape.split(","))
            rng = np.random.default_rng(0)
            with h5py.File(path, "w") as f:
                x = f.create_dataset("x", (a.n, *shape), np.float32, chunks=(16, *shape))
                for i in range(0, a.n, 64):
                    x[i:i + 64] = rng.standard_normal((min(64, a.n - i), *shape), dtype=np.float32)
                f["y"] = rng.standard_normal((a.n, 5)).astype(np.float32)
        loader = h5_loader(path, a.batch, seed=0, block=a.block, workers=a.workers, pin_memory=dev.type == "cuda")
        need = a.warmup + a.steps * a.iters
        rates, sizes, epoch = [], 0, 0
        done, t0, k = 0, 0.0, 0
        while done < need:
            loader.sampler.set_epoch(epoch)
            for xb, yb in loader:
                xb = xb.to(dev, non_blocking=True)
                yb = yb.to(dev, non_blocking=True)
                done += 1
                if done == a.warmup:
                    torch.cuda.synchronize() if dev.type == "cuda" else None
                    t0, k = time.perf_counter(), 0
                elif done > a.warmup:
                    k += 1
                    if k == a.steps:
                        torch.cuda.synchronize() if dev.type == "cuda" else None
                        now = time.perf_counter()
                        rates.append(a.steps * a.batch / (now - t0))
                        t0, k = now, 0
                sizes = xb[0].numel() * 4
                if done >= need:
                    break
            epoch += 1
    m, ci = mean_ci95(rates)
    print(f"HDF5 loader -> {dev}: batch {a.batch}, {a.workers} workers, block {a.block}, "
          f"sample {sizes / 1e6:.3f} MB")
    print(f"samples/s: {m:.1f} +- {ci:.1f}; MB/s: {m * sizes / 1e6:.1f} +- {ci * sizes / 1e6:.1f} "
          f"(mean +- 1.96 sigma over {len(rates)} intervals of {a.steps} batches)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Generation rate of the training-data generators: AI-GW waveforms and AI-DES galaxy stamps per second.

Single-process rate per sample (mean +- 1.96 sigma over `--iters` intervals of `--batch` samples after
`--warmup` samples), then the parallel rate of `generate()` with `--workers` processes.

Example:
    python bench/generation_rate.py aigw --preset paper --batch 10 --iters 5
    python bench/generation_rate.py aides --size 64 --batch 50 --workers 2
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main(argv: list[str] | None = None) -> int:
    import numpy as np

    from envkit.data import aides, aigw
    from envkit.train.metrics import mean_ci95

    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("kind", choices=("aigw", "aides"))
    p.add_argument("--preset", default="smoke", help="AI-GW grid: smoke or paper")
    p.add_argument("--size", type=int, default=64, help="AI-DES stamp size")
    p.add_argument("--batch", type=int, default=20, help="samples per timed interval")
    p.add_argument("--iters", type=int, default=5, help="timed intervals")
    p.add_argument("--steps", type=int, help="alias of --iters")
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--workers", type=int, default=0, help="also time generate() with this many processes")
    p.add_argument("--device", default="cpu", help="generation runs on the CPU (accepted for symmetry)")
    p.add_argument("--precision", default="fp64", help="accepted for symmetry")
    p.add_argument("--compile", action="store_true", help="accepted for symmetry; no effect")
    a = p.parse_args(argv)
    iters = a.steps or a.iters
    params = aigw.sample_parameters(a.warmup + a.batch * iters, seed=0)

    def one(i: int) -> None:
        if a.kind == "aigw":
            aigw.waveform(*params[i], a.preset)
        else:
            aides.stamp(i % 2, a.size, np.random.default_rng([0, i]))

    for i in range(a.warmup):
        one(i)
    rates = []
    i = a.warmup
    for _ in range(iters):
        t = time.perf_counter()
        for _ in range(a.batch):
            one(i)
            i += 1
        rates.append(a.batch / (time.perf_counter() - t))
    what = f"aigw {a.preset} ({len(aigw.times(a.preset))} samples)" if a.kind == "aigw" else \
        f"aides {a.size}x{a.size}"
    m, ci = mean_ci95(rates)
    print(f"{what}: {m:.1f} +- {ci:.1f} per second in one process "
          f"(mean +- 1.96 sigma over {iters} intervals of {a.batch})")
    if a.workers:
        n = a.batch * iters
        with tempfile.TemporaryDirectory() as tmp:
            t = time.perf_counter()
            if a.kind == "aigw":
                aigw.generate(n, tmp, preset=a.preset, workers=a.workers, log=lambda s: None)
            else:
                aides.generate(n, tmp, size=a.size, workers=a.workers)
            dt = time.perf_counter() - t
        print(f"generate(): {n / dt:.1f} per second with {a.workers} processes ({n} in {dt:.1f} s, "
              "HDF5 writing included)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

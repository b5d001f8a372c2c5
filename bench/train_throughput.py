"""Training throughput of envkit's runner on synthetic data kept on the device (Horovod benchmark style).

Runs `python -m envkit.train` in-process: `--warmup` untimed steps, then `--iters` intervals of `--steps`
steps; prints samples/s per interval and per device as mean +- 1.96 sigma, and the total over ranks.
Works on a CPU and on a CUDA GPU; under torchrun/mpirun add `--dist ddp`.

Example:
    python bench/train_throughput.py resnet50 --preset paper --device cuda --precision bf16 \
        --channels-last --compile --batch 256
    python bench/train_throughput.py aigw --preset smoke --device cpu --batch 8 --steps 2 --iters 5
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from envkit.train.config import parse_args  # noqa: E402
from envkit.train.runner import run  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("workload", help="resnet50, aigw, aides or a workload folder")
    p.add_argument("--preset", default="paper")
    p.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    p.add_argument("--precision", choices=("fp32", "bf16", "fp16"), default="fp32")
    p.add_argument("--compile", action="store_true")
    p.add_argument("--channels-last", action="store_true")
    p.add_argument("--batch", type=int, help="per device (default: the preset's)")
    p.add_argument("--steps", type=int, default=10, help="steps per timed interval")
    p.add_argument("--iters", type=int, default=10, help="timed intervals")
    p.add_argument("--warmup", type=int, default=10, help="untimed steps first (compilation, autotuning)")
    p.add_argument("--dist", choices=("none", "ddp", "horovod"), default="none")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="preset override")
    p.add_argument("--json", action="store_true", help="also print the metrics as JSON")
    a = p.parse_args(argv)
    warm = -(-a.warmup // a.steps) * a.steps  # a whole number of intervals, so log points align
    total = warm + a.steps * a.iters
    with tempfile.TemporaryDirectory() as results:
        args = [a.workload, "--preset", a.preset, "--device", a.device, "--precision", a.precision,
                "--steps", str(total), "--log-every", str(a.steps), "--dist", a.dist, "--results", results,
                "--run-id", "bench", "--set", f"warmup_iters={warm}", "--set", "eval_batches=1",
                "--set", "test_at_end=false"]  # throughput only: no test split, no overlaps
        args += ["--batch", str(a.batch)] if a.batch else []
        args += ["--compile"] if a.compile else []
        args += ["--channels-last"] if a.channels_last else []
        for s in a.set:
            args += ["--set", s]
        run(parse_args(args))
        m = json.loads((Path(results) / "bench" / "metrics.json").read_text())
    per, tot = m["throughput"]["per_device"], m["throughput"]["total"]
    print(f"{m['workload']} ({m['preset']}) on {m['device_name']}, {m['precision']}"
          f"{', channels_last' if m['channels_last'] else ''}{', compiled' if m['compile'] else ''}, "
          f"batch {m['batch_per_device']}/device, {m['world_size']} rank(s)")
    print(f"samples/s per device: {per['mean']:.1f} +- {per['ci95']:.1f} (mean +- 1.96 sigma over "
          f"{per['intervals']} intervals of {a.steps} steps after {warm} warm-up steps)")
    print(f"total samples/s on {m['world_size']} device(s): {tot['mean']:.1f} +- {tot['ci95']:.1f}")
    if a.json:
        print(json.dumps({"workload": m["workload"], "preset": m["preset"], "device": m["device_name"],
                          "precision": m["precision"], "compile": m["compile"], "batch": m["batch_per_device"],
                          "per_device": per, "total": tot}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())

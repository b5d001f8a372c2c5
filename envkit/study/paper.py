"""The paper's reported scaling figures and the inputs the prediction uses for each, with their sources.

Huerta et al. 2020, "Convergence of AI and HPC on NSF-supported cyberinfrastructure", J Big Data 7:88
(doi:10.1186/s40537-020-00361-2): Figs. 1-5 and their text. HAL's ResNet-50 throughputs are from the HAL
reference code's README (github.com/richardkxu/distributed-pytorch). Single-V100 throughputs are not in
the paper; each row says how its figure was obtained (derived from a reported time, or an estimate).

Example:
    >>> [c.label for c in CASES][:2]
    ['ResNet-50, HAL, 64 V100', 'AI-GW, HAL, 64 V100']
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# Per workload: parameters (gradient bytes = 4 x), per-device batch, single-V100 throughput and its source.
WORKLOADS: dict[str, dict[str, Any]] = {
    "resnet50": dict(params=25_557_032, batch=208, v100=781.0,
                     params_src="torchvision resnet50: 25,557,032 parameters",
                     batch_src="HAL reference code: batch 208 per GPU",
                     v100_src="derived: 90 epochs x 1,281,167 ImageNet images / 41 h on 1 V100 [paper Fig. 1]"),
    "aigw": dict(params=10_297_782, batch=2, v100=13.8,
                 params_src="envkit's AI-GW model (Khan, Huerta, Das 2020): 10,297,782 parameters",
                 batch_src="paper: global batch 128 at 64 GPUs (Figs. 2 and 4), 2 per GPU",
                 v100_src="estimate: H100 eager fp32 50.8 samples/s (envkit bench/aigw_anchor.py) x V100/H100 "
                          "memory bandwidth 900/3350 GB/s (the model is memory-bound)"),
    "aides": dict(params=20_811_050, batch=2, v100=150.0,
                  params_src="Xception (Chollet 2017) with a 2-class head: about 20.8 M parameters",
                  batch_src="paper: global batch 128 at 64 GPUs (Figs. 2 and 4), 2 per GPU",
                  v100_src="estimate: Xception inference-class throughput on a V100 at small batch, fp32"),
}


@dataclass(frozen=True)
class Case:
    """One reported figure: time (or throughput) on one device and on `gpus` devices at a site."""

    label: str
    workload: str
    site: str
    gpus: int
    one_gpu_hours: float
    reported_hours: float | None = None
    reported_throughput: float | None = None  # samples/s on `gpus` devices
    source: str = "paper"


CASES = [
    Case("ResNet-50, HAL, 64 V100", "resnet50", "hal", 64, 41.0, 1.0, source="paper Fig. 1: 41 h -> just over 1 h"),
    Case("AI-GW, HAL, 64 V100", "aigw", "hal", 64, 754.0, 12.4, source="paper Fig. 2: 754 h -> 12.4 h"),
    Case("AI-GW, Bridges-AI, 72 V100", "aigw", "bridges-ai", 72, 754.0, 38.0, source="paper Fig. 3: 38 h"),
    Case("AI-GW, Summit, 1,536 V100", "aigw", "summit", 1536, 754.0, 1.2, source="paper Fig. 5: 1.2 h"),
    Case("AI-DES, HAL, 64 V100", "aides", "hal", 64, 2.1, 2.7 / 60, source="paper Fig. 4: 2.1 h -> 2.7 min"),
    *[Case(f"ResNet-50, HAL, {n} V100 (img/s)", "resnet50", "hal", n, 41.0, reported_throughput=t,
           source="HAL reference code README") for n, t in
      ((2, 1582.0), (4, 3003.0), (8, 5807.0), (16, 11265.0), (32, 19458.0), (64, 33132.0))],
]


@dataclass(frozen=True)
class Row:
    """A reported figure beside the model's prediction."""

    case: Case
    predicted: float
    reported: float
    unit: str
    efficiency: float
    driver: str

    @property
    def ratio(self) -> float:
        return self.predicted / self.reported


def compare(cases: list[Case] | None = None) -> list[Row]:
    """Predict every case from its site profile and workload inputs; say which term dominates."""
    from envkit.profile import load_profile
    from envkit.study.predict import Work, machine_for, predict

    rows = []
    for case in cases or CASES:
        facts = WORKLOADS[case.workload]
        work = Work(throughput=float(facts["v100"]), batch=int(facts["batch"]), grad_bytes=4.0 * float(facts["params"]))
        point = predict(work, machine_for(load_profile(case.site)), case.gpus)
        exposed = point.step_s - point.compute_s
        driver = (f"all-reduce {point.comm_s * 1e3:.1f} ms vs compute {point.compute_s * 1e3:.1f} ms per step, "
                  f"{exposed * 1e3:.1f} ms exposed" if exposed > 0.05 * point.compute_s else
                  f"compute-bound (all-reduce {point.comm_s * 1e3:.1f} ms hidden in {point.compute_s * 1e3:.1f} ms); "
                  "the rest is I/O, start-up and epochs")
        if case.reported_throughput is not None:
            rows.append(Row(case, point.throughput, case.reported_throughput, "img/s", point.efficiency, driver))
        else:
            hours = case.one_gpu_hours / point.speedup
            rows.append(Row(case, hours, float(case.reported_hours or 0), "h", point.efficiency, driver))
    return rows

"""`envkit plot`: the two panels from run folders; bad inputs are one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from envkit.errors import EnvkitError
from envkit.study.plot import load_run, plot, speedups


def _run(folder: Path, ranks: int, total: float, status: str = "finished") -> Path:
    folder.mkdir(parents=True)
    (folder / "metrics.json").write_text(json.dumps({
        "status": status, "world_size": ranks, "site": "local", "workload": "aigw", "engine": "charliecloud",
        "manifest_hash": "0123456789abcdef", "steps_per_epoch": 32 // ranks, "global_batch": 8 * ranks,
        "device_name": "cpu", "time_per_epoch_s": [],
        "throughput": {"unit": "samples/s", "total": {"mean": total, "ci95": total / 20}}}))
    return folder


def test_plot_writes_a_png_with_both_panels(tmp_path: Path) -> None:
    runs = [_run(tmp_path / "np1", 1, 4.0), _run(tmp_path / "np2", 2, 7.0)]
    out = plot(runs, tmp_path / "fig" / "scaling.png")
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000
    assert not list((tmp_path / "fig").glob(".*tmp*"))  # written under a temporary name, then renamed
    points = [load_run(r) for r in runs]
    assert speedups(points) == pytest.approx([1.0, 1.75])
    assert points[0].epoch_s == pytest.approx(256 / 4.0) and not points[0].epoch_measured


def test_plot_refuses_unfinished_runs_and_odd_suffixes(tmp_path: Path) -> None:
    bad = _run(tmp_path / "bad", 1, 4.0, status="failed")
    with pytest.raises(EnvkitError, match="status is 'failed'"):
        load_run(bad)
    with pytest.raises(EnvkitError, match="expected a .png"):
        plot([_run(tmp_path / "ok", 1, 4.0)], tmp_path / "x.txt")
    with pytest.raises(EnvkitError, match="no such file"):
        load_run(tmp_path / "missing")

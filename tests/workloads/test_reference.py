"""Reference curves held in CI: a fixed small CPU run of each workload must land inside the committed
bands (tests/workloads/reference_bands.json, made by `python -m envkit.evaluate.reference`), and the old
peak normalisation of AI-GW waveforms must not."""

from __future__ import annotations

import json

import pytest

from envkit.evaluate import reference

pytest.importorskip("lalsimulation")
BANDS = json.loads(reference.BANDS.read_text()) if reference.BANDS.is_file() else {}


@pytest.mark.slow
@pytest.mark.parametrize("name", ["aigw", "aides"])
def test_seed0_inside_its_bands(name, tmp_path):
    if name not in BANDS:
        pytest.fail(f"no committed bands for {name}: run python -m envkit.evaluate.reference (module docstring)")
    if name == "aides":
        pytest.importorskip("galsim")
    got = reference.run(name, 0, tmp_path)
    print(name, got)
    assert reference.outside(got, BANDS[name]["bands"]) == []


@pytest.mark.slow
def test_peak_normalisation_leaves_the_bands(tmp_path):
    """The deliberate change: each waveform scaled to peak 1 (envkit before issue #25) throws the
    amplitude away, and the q error leaves its band."""
    got = reference.run("aigw", 0, tmp_path, amplitude="peak")
    print("aigw peak-normalised", got)
    assert any(line.startswith("mae_q") for line in reference.outside(got, BANDS["aigw"]["bands"]))

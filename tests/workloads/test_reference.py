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
    """The deliberate change: each waveform scaled to peak 1 (envkit before issue #25). Measured 2026-12-04
    on seed 0: overlap_flat 0.802 and overlap_psd 0.800 sat just above their bands (0.793, 0.737) here, but
    a CI run on another machine put them inside: 60 CPU steps are too noisy for the training metrics to
    catch it on their own. The data set's peak-amplitude spread does, whatever the training's noise: 0.139
    dex for the published r h22 / M, 0 for peak-scaled waveforms. The bands flag a change in either
    direction; they do not say which data set is right (the amplitude test in test_science.py does)."""
    got = reference.run("aigw", 0, tmp_path, amplitude="peak")
    print("aigw peak-normalised", got)
    out = reference.outside(got, BANDS["aigw"]["bands"])
    assert any(line.startswith("peak_amplitude_spread 0 outside") for line in out), out

"""AI-GW data: target formulas, agreement with lalsimulation called directly, generation and resumption."""

from __future__ import annotations

import json

import numpy as np
import pytest

from envkit.data import aigw

lal = pytest.importorskip("lal")
ls = pytest.importorskip("lalsimulation")
h5py = pytest.importorskip("h5py")


def test_effective_spin_formulas():
    q, s1, s2 = 3.0, 0.5, -0.2
    chi, s_eff = aigw.effective_spins(q, s1, s2)
    assert chi == pytest.approx((3 * 0.5 - 0.2) / 4)
    assert s_eff == pytest.approx((1 + 3 / 12) * 0.5 + (1 + 9 / 4) * -0.2)
    assert aigw.targets(q, s1, s2).tolist() == pytest.approx([q, s1, s2, chi, s_eff])
    y = aigw.targets(np.array([1.0, 8.0]), np.array([0.8, 0.0]), np.array([0.8, 0.0]))
    assert y.shape == (2, 5) and y[0, 3] == pytest.approx(0.8)  # equal masses, equal spins


def test_parameter_ranges():
    p = aigw.sample_parameters(5000, seed=1)
    assert p[:, 0].min() >= 1 and p[:, 0].max() <= 8
    assert p[:, 1:].min() >= -0.8 and p[:, 1:].max() < 0.8


def test_grids():
    assert len(aigw.times("paper")) == 101_300
    assert aigw.times("paper")[0] == -10_000 and aigw.times("paper")[-1] == pytest.approx(129.9)
    assert len(aigw.times("smoke")) == 2048


@pytest.mark.parametrize("q,s1,s2", [(1.0, 0.0, 0.0), (4.3, 0.7, -0.5), (8.0, -0.8, 0.79)])
def test_waveform_agrees_with_lalsimulation(q, s1, s2):
    """An independent conversion: direct ChooseTDWaveform at 1/4 of the step, linear interpolation."""
    mass = 60.0
    m1, m2 = mass * q / (1 + q), mass / (1 + q)
    tm = mass * lal.MTSUN_SI
    hp, hc = ls.SimInspiralChooseTDWaveform(
        m1 * lal.MSUN_SI, m2 * lal.MSUN_SI, 0, 0, s1, 0, 0, s2, 1e6 * lal.PC_SI, 0, 0, 0, 0, 0,
        0.25 * tm, 25.0 * 60.0 / mass / 2, 10.0, None, ls.GetApproximantFromString("IMRPhenomXAS"))
    h = hp.data.data - 1j * hc.data.data
    t = (float(hp.epoch) + np.arange(len(h)) * 0.25 * tm) / tm
    k = int(np.argmax(np.abs(h)))
    grid = aigw.times("smoke")
    amp = np.interp(grid + t[k], t, np.abs(h))
    phase = np.interp(grid + t[k], t, np.unwrap(np.angle(h)))
    direct = amp * aigw.rh_over_m(mass) * np.cos(phase - np.unwrap(np.angle(h))[k])
    ours = aigw.waveform(q, s1, s2, "smoke")
    peak = np.abs(aigw.mode22(q, s1, s2, "smoke")).max()
    assert aigw.waveform(q, s1, s2, "smoke", amplitude="peak") == pytest.approx(ours / peak, abs=1e-9)
    assert int(np.argmax(np.abs(aigw.mode22(q, s1, s2, "smoke")))) == int(np.flatnonzero(grid == 0)[0])
    # the direct path's peak is only sample-accurate (1/4 M), so allow a small phase error near merger
    assert np.max(np.abs(ours - direct)) < 0.02 * peak
    assert np.corrcoef(ours, direct)[0, 1] > 0.999


def test_generate_and_resume(tmp_path):
    out = tmp_path / "gw"
    (out / "chunks").mkdir(parents=True)
    plan = aigw._Plan(12, "smoke", 3, False, 4, (20.0, 60.0))
    (out / "chunks" / "plan.json").write_text(json.dumps(plan.as_dict()))
    aigw._write_chunk((plan, 1, str(out / "chunks" / "chunk-000001.h5")))  # as if interrupted after one
    messages: list[str] = []
    m = aigw.generate(12, out, preset="smoke", workers=1, seed=3, chunk=4, log=messages.append)
    assert any("resuming, 1 of 3" in s for s in messages)
    fresh = aigw.generate(12, tmp_path / "fresh", preset="smoke", workers=2, seed=3, chunk=4)
    assert m["splits"] == fresh["splits"] and m["splits"]["train"]["n"] == 10
    for split in ("train", "val", "test"):
        with h5py.File(out / f"{split}.h5") as a, h5py.File(tmp_path / "fresh" / f"{split}.h5") as b:
            assert np.array_equal(a["x"][:], b["x"][:]) and np.array_equal(a["y"][:], b["y"][:])
    with h5py.File(out / "train.h5") as f:
        assert f["x"].shape == (10, 2048) and f["y"].shape == (10, 5)
        q, s1, s2 = f["params"][:, 0], f["params"][:, 1], f["params"][:, 2]
        assert np.allclose(f["y"][:], aigw.targets(q, s1, s2), atol=1e-5)
    assert not (out / "chunks").exists()
    assert aigw.generate(12, out, preset="smoke", seed=3, chunk=4) == m  # finished: nothing to redo
    with pytest.raises(ValueError, match="different"):
        aigw.generate(13, out, preset="smoke", seed=3, chunk=4)


def test_noise_mode_is_whitened_with_unit_noise():
    x = aigw.waveform(2.0, 0.1, 0.1, "paper")
    rng = np.random.default_rng(0)
    noisy = aigw.whitened_with_noise(x, 0.1, 30.0, rng)
    assert noisy.shape == x.shape and 0.9 < noisy.std() < 1.2

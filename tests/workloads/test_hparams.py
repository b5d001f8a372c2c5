"""Preset keys are checked: a misspelt key or a bad value is a one-line error, never silently ignored."""

from __future__ import annotations

import pytest

from envkit.train import runner, workload


@pytest.mark.parametrize("override,message", [
    ("btach=4", "unknown key 'btach' (did you mean batch?"),
    ("lr=-1", "lr: Input should be greater than or equal to 0"),
    ("optimizer=lamb", "optimizer: Input should be 'sgd', 'adam' or 'adamw'"),
    ("stages=[{epochs: 1, frm: x}]", "stages.0.frm"),
])
def test_bad_preset_keys_are_one_line_errors(tmp_path, override, message):
    lines: list[str] = []
    assert runner.main(["aigw", "--set", override, "--results", str(tmp_path)], err=lines.append) == 2
    assert len(lines) == 1 and message in lines[0] and "workload.yaml preset smoke" in lines[0], lines


@pytest.mark.parametrize("name", ["aigw", "aides", "resnet50"])
def test_every_bundled_preset_is_valid(name):
    wl = workload.load(name)
    for preset in wl.presets():
        assert wl.preset(preset)["preset"] == preset

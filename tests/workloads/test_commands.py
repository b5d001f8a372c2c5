"""CLI glue: `envkit data aigw|aides` and `envkit train`, run through the envkit app itself."""

from __future__ import annotations

import subprocess
import sys

import pytest
from envkit_cli import run_inprocess
from wl_helpers import env


def test_importing_the_commands_is_cheap():
    code = ("import sys, envkit.commands.data_cmd, envkit.commands.train_cmd; "
            "print(sorted(m for m in ('torch', 'lal', 'galsim', 'h5py') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], env=env(), capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("args,message", [
    (["data", "aigw", "--n", "0", "-o", "{tmp}/x"], "--n must be at least 1"),
    (["data", "aigw", "--n", "5", "-o", "{tmp}/x", "--preset", "huge"], "--preset 'huge'"),
    (["data", "aides", "--n", "1", "-o", "{tmp}/x"], "--n must be at least 2"),
    (["data", "aides", "--n", "10", "-o", "{tmp}/x", "--size", "4"], "--size must be between"),
    (["data", "aides", "--n", "10", "-o", "{tmp}/x", "--preview", "a.jpg"], "expected a .png"),
    (["data", "aides", "--n", "10", "-o", "{tmp}/file"], "is not a folder"),
    (["train", "nope"], "unknown workload 'nope'"),
    (["train", "aigw", "--steps", "0"], "--steps"),
    (["train", "aigw", "--dist", "mpi"], "--dist"),
])
def test_bad_input_is_one_line(tmp_path, args, message):
    (tmp_path / "file").write_text("")
    res = run_inprocess(*[a.replace("{tmp}", str(tmp_path)) for a in args])
    assert res.code == 2
    lines = [s for s in res.output.splitlines() if s.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], res.output
    assert "Traceback" not in res.output


def test_data_commands_generate(tmp_path):
    res = run_inprocess(*["data", "aigw", "--n", "6", "-o", str(tmp_path / "gw"), "--workers", "1"])
    assert res.code == 0 and "train/val/test 5/1/0" in res.output
    res = run_inprocess(*["data", "aides", "--n", "10", "-o", str(tmp_path / "des"), "--size", "32",
                                   "--workers", "1", "--preview", str(tmp_path / "p.png")])
    assert res.code == 0 and (tmp_path / "p.png").is_file() and (tmp_path / "des" / "train.h5").is_file()


def test_train_command_runs_and_helps(tmp_path, tiny):
    res = run_inprocess(*["train", tiny, "--steps", "2", "--results", str(tmp_path), "--run-id", "t"])
    assert res.code == 0 and (tmp_path / "t" / "metrics.json").is_file()
    res = run_inprocess(*["train", "--help"])
    assert res.code == 0 and "--checkpoint-every" in res.output

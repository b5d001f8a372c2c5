"""Interrupted work resumes: SIGKILL during `envkit data` generation, then the same command finishes it.

(SIGKILL mid-build and two builds of one site at once are real Charliecloud tests in
tests/pipeline/test_charliecloud_real.py: the previous image stays usable, the next build is correct,
the second concurrent build waits on the layer lock and finds the image built.)
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from envkit_cli import envkit_argv

from .harness import REPO

pytestmark = pytest.mark.slow


def _data(out: Path) -> list[str]:
    return [*envkit_argv(), "data", "aigw", "--n", "200", "--chunk", "8", "--workers", "1", "--seed", "5",
            "-o", str(out)]


def test_sigkill_during_data_generation_resumes_to_the_same_files(tmp_path: Path) -> None:
    h5py = pytest.importorskip("h5py")
    import numpy as np

    started = time.monotonic()
    out = tmp_path / "killed"
    proc = subprocess.Popen(_data(out), cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    chunks = out / "chunks"
    deadline = time.monotonic() + 120
    while len(list(chunks.glob("chunk-*.h5"))) < 3 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    assert proc.poll() is None, "generation ended before it could be killed"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    done = len(list(chunks.glob("chunk-*.h5")))
    assert 3 <= done < 25 and not (out / "train.h5").exists()

    resumed = subprocess.run(_data(out), cwd=REPO, capture_output=True, text=True, timeout=300, check=False)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert f"resuming, {done} of 25" in resumed.stderr + resumed.stdout
    fresh = subprocess.run(_data(tmp_path / "fresh"), cwd=REPO, capture_output=True, text=True, timeout=300,
                           check=False)
    assert fresh.returncode == 0, fresh.stderr[-2000:]
    for split in ("train", "val", "test"):
        with h5py.File(out / f"{split}.h5") as a, h5py.File(tmp_path / "fresh" / f"{split}.h5") as b:
            assert np.array_equal(a["x"][:], b["x"][:]) and np.array_equal(a["y"][:], b["y"][:])
    leftovers = sorted(p.name for p in out.rglob("*") if p.name.endswith(".tmp"))
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == \
        ["manifest.json", "test.h5", "train.h5", "val.h5"], (list(out.iterdir()), leftovers)
    assert leftovers == [], leftovers
    print(f"sigkill-and-resume data test: {time.monotonic() - started:.1f} s")

"""SIGKILL of an export: its mksquashfs dies with it (PR_SET_PDEATHSIG), and the next export removes the
scratch folder the killed one left. Real processes: a child Python runs envkit's squash step (the real
`write_squashfs` with the real mksquashfs) on a big folder and is killed with SIGKILL half-way."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _children_named(name: str, marker: str) -> list[int]:
    pids = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmd = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if cmd and Path(cmd[0].decode(errors="replace")).name == name and marker.encode() in b" ".join(cmd):
            pids.append(int(proc.name))
    return pids


@pytest.mark.skipif(shutil.which("mksquashfs") is None, reason="squashfs-tools not installed")
def test_sigkill_of_an_export_leaves_no_mksquashfs_and_the_next_export_cleans_up(tmp_path: Path) -> None:
    from envkit.export.tools import work_dir

    out = tmp_path / "out"
    out.mkdir()
    script = ("import pathlib, sys\nfrom envkit.export.squash import write_squashfs\n"
              f"write_squashfs(pathlib.Path('/usr'), pathlib.Path({str(out / 'x.sqfs')!r}), 0)\n")
    child = subprocess.Popen([sys.executable, "-c", script], env={**os.environ, "PYTHONPATH": str(REPO),
                                                                    "ENVKIT_EXPORT_PROCESSORS": "1"})
    deadline = time.monotonic() + 60
    while not _children_named("mksquashfs", str(out)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _children_named("mksquashfs", str(out)), "mksquashfs never started"
    child.send_signal(signal.SIGKILL)
    child.wait()
    deadline = time.monotonic() + 10
    while _children_named("mksquashfs", str(out)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _children_named("mksquashfs", str(out)) == [], "an orphan mksquashfs is still running"
    left = [p.name for p in out.iterdir()]
    assert any(name.startswith("envkit-sqfs-") for name in left), left   # the killed export's scratch
    with work_dir(out, "envkit-sqfs-") as work:
        assert [p.name for p in out.iterdir()] == [work.name]
    assert list(out.iterdir()) == []

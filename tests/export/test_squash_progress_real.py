"""mksquashfs' progress reaches envkit while it squashes, not in one burst at the end (slow: a real squash).

Into a pipe mksquashfs 4.5 buffers its progress bar: on a 59 s squash the first frame arrived after 43 s,
and an `envkit export` of the local image showed "0%" and "100%" together after 50 s. envkit now gives it a
terminal (envkit.export.squash.run_mksquashfs).
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from envkit.export.squash import write_squashfs

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(shutil.which("mksquashfs") is None, reason="needs mksquashfs (squashfs-tools)")]


def test_progress_frames_arrive_while_mksquashfs_runs(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    tree.mkdir()
    for index in range(96):                       # 96 MiB that gzip-9 cannot shrink: several seconds on 2 cores
        (tree / f"f{index:03d}").write_bytes(os.urandom(1 << 20))
    seen: list[tuple[float, int, int]] = []
    started = time.monotonic()
    write_squashfs(tree, tmp_path / "out.sqfs", 0, compression="gzip",
                   progress=lambda done, total: seen.append((time.monotonic(), done, total)))
    ended = time.monotonic()
    assert seen and seen[-1][1] == seen[-1][2], seen[-3:]            # it ends at 100 %
    partial = [stamp for stamp, done, total in seen if 0 < done < total]
    assert partial, "no frame between 0 and 100 %"
    # the first partial frame came while mksquashfs still had a good part of its work ahead
    assert ended - partial[0] > 0.3 * (ended - started), (partial[0] - started, ended - started)

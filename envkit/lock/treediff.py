"""Two image trees compared file by file: what still differs between two builds of one layer.

Files with the same inode (hard-linked to the parent image) are equal without reading them; others are
compared by type, mode, size and bytes; modification times are counted separately, since a rebuild writes
every file it installs anew.

Example:
    >>> import tempfile, pathlib
    >>> a, b = (pathlib.Path(tempfile.mkdtemp()) for _ in range(2))
    >>> _ = (a / "x.py").write_text("1"), (b / "x.py").write_text("2"), (a / "same").write_text("s")
    >>> _ = (b / "same").write_text("s")
    >>> d = tree_diff(a, b)
    >>> d.content, d.only_a, d.only_b
    (['x.py'], [], [])
"""

from __future__ import annotations

import os
import stat
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class TreeDiff:
    """Relative paths that differ in content, exist on one side only, or differ only in mtime."""

    files: int = 0
    content: list[str] = field(default_factory=list)
    only_a: list[str] = field(default_factory=list)
    only_b: list[str] = field(default_factory=list)
    mtime_only: int = 0

    def kinds(self) -> dict[str, int]:
        """Differing files grouped by what they are (suffix, or a known name)."""
        def kind(rel: str) -> str:
            name = rel.rsplit("/", 1)[-1]
            if name in ("RECORD", "INSTALLER", "direct_url.json", "metadata.json", "envkit-manifest.json"):
                return name
            return os.path.splitext(name)[1] or name
        return dict(Counter(kind(r) for r in [*self.content, *self.only_a, *self.only_b]).most_common())


def _walk(root: Path) -> dict[str, os.stat_result]:
    out = {}
    for folder, dirs, files in os.walk(root):
        for name in [*dirs, *files]:
            path = os.path.join(folder, name)
            out[os.path.relpath(path, root)] = os.lstat(path)
    return out


def _same_bytes(a: Path, b: Path) -> bool:
    with open(a, "rb") as fa, open(b, "rb") as fb:
        while True:
            x, y = fa.read(1 << 20), fb.read(1 << 20)
            if x != y:
                return False
            if not x:
                return True


def tree_diff(a: Path, b: Path) -> TreeDiff:
    """Compare two trees (an image folder and its rebuild)."""
    sa, sb = _walk(Path(a)), _walk(Path(b))
    out = TreeDiff(files=len(sb))
    out.only_a = sorted(set(sa) - set(sb))
    out.only_b = sorted(set(sb) - set(sa))
    for rel in sorted(set(sa) & set(sb)):
        x, y = sa[rel], sb[rel]
        if (x.st_dev, x.st_ino) == (y.st_dev, y.st_ino) or stat.S_ISDIR(x.st_mode) and stat.S_ISDIR(y.st_mode):
            continue
        if stat.S_IFMT(x.st_mode) != stat.S_IFMT(y.st_mode) or x.st_mode != y.st_mode or x.st_size != y.st_size:
            out.content.append(rel)
        elif stat.S_ISLNK(x.st_mode):
            if os.readlink(Path(a) / rel) != os.readlink(Path(b) / rel):
                out.content.append(rel)
        elif stat.S_ISREG(x.st_mode) and not _same_bytes(Path(a) / rel, Path(b) / rel):
            out.content.append(rel)
        elif int(x.st_mtime) != int(y.st_mtime):
            out.mtime_only += 1
    return out

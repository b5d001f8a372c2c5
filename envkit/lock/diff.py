"""Package sets compared: added, removed and changed packages (Python and system), and a summary line.

A side can be an image folder (its manifest inside), a manifest JSON, a run (its metrics.json names the
manifest hash, looked up in the store), a site's lock folder (every layer), or one layer's pylock.toml
(a workload layer's together with the base's, which the workload image holds too).

Example:
    >>> changes = diff_maps("python", {"numpy": "2.4.6", "tqdm": "4.70.1"}, {"numpy": "2.5.0", "rich": "14.0"})
    >>> [str(c) for c in changes]
    ['python numpy: 2.4.6 -> 2.5.0', 'python rich: added 14.0', 'python tqdm: 4.70.1 -> removed']
    >>> summary_line(changes)
    '1 added, 1 removed, 1 changed'
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from envkit.errors import EnvkitError


@dataclass(frozen=True)
class Change:
    """One package that differs: kind (`python`, `apt`, `base python`...), name, old and new versions."""

    kind: str
    name: str
    old: str | None
    new: str | None

    def __str__(self) -> str:
        if self.old is None:
            return f"{self.kind} {self.name}: added {self.new}"
        if self.new is None:
            return f"{self.kind} {self.name}: {self.old} -> removed"
        return f"{self.kind} {self.name}: {self.old} -> {self.new}"


def diff_maps(kind: str, old: dict[str, str], new: dict[str, str]) -> list[Change]:
    """Changes from `old` to `new` ({name: version}), sorted by name."""
    return [Change(kind, n, old.get(n), new.get(n)) for n in sorted(set(old) | set(new)) if old.get(n) != new.get(n)]


def summary_line(changes: list[Change]) -> str:
    """`N added, N removed, N changed`, or `identical`."""
    if not changes:
        return "identical"
    added = sum(c.old is None for c in changes)
    removed = sum(c.new is None for c in changes)
    return f"{added} added, {removed} removed, {len(changes) - added - removed} changed"


def _norm(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


PackageSets = tuple[dict[str, str], "dict[str, str] | None", str, set[str]]


def package_sets(source: str, store: Path | None = None) -> PackageSets:
    """({python: version}, {apt: version} or None when the side lists no system packages, label, local names).

    Local names (envkit itself, installed from the image's source tree) are in no index: a lock lists them
    as local, and a comparison with a lock leaves them out. A lock stands for an image without the Horovod
    layer: Horovod, locked with the base, is left out of it (an image with that layer shows it as added).
    """
    from envkit.lock.files import installed_pins, load_site_lock, read_pylock

    path = Path(source)
    if path.is_dir() and (path / "envkit-lock.json").is_file():
        lock = load_site_lock(path.parent.name, path)
        assert lock is not None
        py: dict[str, str] = {}
        local: set[str] = set()
        for layer in lock.layers.values():
            py.update({_norm(n): v for n, v in installed_pins(layer.pins()).items()})
            local.update(_norm(n) for n in layer.local)
        return py, None, f"lock {path}", local
    if path.is_file() and path.name.endswith(".toml"):
        files = [path]   # a workload layer's lock holds what it adds: the image also holds its base's
        if path.name.startswith("pylock.workload-") and (path.parent / "pylock.base.toml").is_file():
            files.insert(0, path.parent / "pylock.base.toml")
        pins = {n: p.version for f in files for n, p in read_pylock(f).items()}
        py = {_norm(n): v for n, v in installed_pins(pins).items()}
        return py, None, f"lock {' + '.join(f.name for f in files)}", {"envkit"}
    manifest = _manifest_of(path, store)
    return ({_norm(n): v for n, v in (manifest.get("pip") or {}).items()}, manifest.get("dpkg") or {},
            f"{manifest.get('tag') or path} ({manifest.get('cache_key', '')[:12] or 'manifest'})", set())


def _manifest_of(path: Path, store: Path | None) -> dict:
    from envkit.store.image_manifest import IMAGE_MANIFEST

    candidates = [path]
    if path.is_dir():
        candidates = [path / IMAGE_MANIFEST.lstrip("/"), path / "metrics.json", path / "envkit-manifest.json"]
    from envkit.records import manifest as manifest_file
    from envkit.records import metrics as metrics_file

    for candidate in candidates:
        if candidate.is_file():
            if candidate.name == metrics_file.FILENAME:
                run = metrics_file.read(candidate)
                if not run.manifest_hash:
                    raise EnvkitError("the run names no image manifest (a native run?)", file=str(candidate))
                return _manifest_by_hash(run.manifest_hash, store)
            image = manifest_file.read(candidate)
            if image.pip is not None:
                return image.model_dump(mode="json")
            if image.manifest_hash or image.image_manifest_hash:
                return _manifest_by_hash(str(image.manifest_hash or image.image_manifest_hash), store)
    raise EnvkitError(f"{path}: not an image, a manifest, a run, or a lock (expected a manifest JSON with `pip`, "
                      "a metrics.json naming a manifest hash, or a locks folder)")


def _manifest_by_hash(digest: str, store: Path | None) -> dict:
    """The manifest in the store whose hash a run's metrics.json names."""
    import hashlib

    from envkit.records import manifest as manifest_file
    from envkit.store.paths import default_store

    root = store or default_store()
    for path in sorted(Path(root).rglob("*.manifest.json")):
        if not path.is_file() or path.stat().st_size > manifest_file.LIMIT:
            continue
        data = path.read_bytes()
        if hashlib.sha256(data).hexdigest().startswith(digest[:16]):
            return manifest_file.read(path).model_dump(mode="json")
    raise EnvkitError(f"no manifest with hash {digest} in the store {root} (was the image rebuilt since?)")


def lock_hashes(source: str) -> dict[str, str] | None:
    """{package: its sorted sha256 list, comma-joined} when `source` is a lock (a pylock file or a locks
    folder), else None: a manifest or a run lists versions, not file hashes."""
    from envkit.lock.files import load_site_lock, read_pylock

    path = Path(source)
    if path.is_dir() and (path / "envkit-lock.json").is_file():
        lock = load_site_lock(path.parent.name, path)
        assert lock is not None
        return {_norm(n): ",".join(sorted(p.hashes)) for layer in lock.layers.values()
                for n, p in layer.packages.items()}
    if path.is_file() and path.name.endswith(".toml"):
        files = [path]
        if path.name.startswith("pylock.workload-") and (path.parent / "pylock.base.toml").is_file():
            files.insert(0, path.parent / "pylock.base.toml")
        return {_norm(n): ",".join(sorted(p.hashes)) for f in files for n, p in read_pylock(f).items()}
    return None


def diff_sources(a: str, b: str, store: Path | None = None) -> tuple[list[Change], str, str]:
    """Changes from A to B; system packages are compared only when both sides list them, and the files'
    sha256 hashes when both sides are locks (a changed hash is a difference: `python sha256 NAME`)."""
    py_a, apt_a, label_a, local_a = package_sets(a, store)
    py_b, apt_b, label_b, local_b = package_sets(b, store)
    local = local_a | local_b
    changes = diff_maps("python", {n: v for n, v in py_a.items() if n not in local},
                        {n: v for n, v in py_b.items() if n not in local})
    if apt_a is not None and apt_b is not None:
        changes += diff_maps("apt", apt_a, apt_b)
    hashes_a, hashes_b = lock_hashes(a), lock_hashes(b)
    if hashes_a is not None and hashes_b is not None:
        same_version = {n for n in set(hashes_a) & set(hashes_b) if py_a.get(n) == py_b.get(n)}
        changes += diff_maps("python sha256", {n: _short(hashes_a[n]) for n in same_version},
                             {n: _short(hashes_b[n]) for n in same_version})
    return changes, label_a, label_b


def _short(joined: str) -> str:
    """sha256 lists shown by their first 12 hex digits each."""
    return ",".join(h[:12] for h in joined.split(",") if h)

"""`envkit lock`: resolve every layer of a site and write containers/<site>/locks/ whole or not at all.

Example:
    $ envkit lock --site local                   # keeps the old versions where the inputs allow
    $ envkit lock --site local --upgrade numpy   # moves numpy (and what it needs) forward, prints the change
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import tempfile
from pathlib import Path

from envkit.lock.diff import Change, diff_maps
from envkit.lock.files import META, SiteLock, load_site_lock, lock_dir
from envkit.lock.inputs import INDEX_URL, LayerInputs, site_inputs
from envkit.lock.resolve import resolve_apt, resolve_python, uv_version


def _pylock_name(layer: str) -> str:
    return f"pylock.{layer}.toml"


def lock_site(profile, upgrade: list[str] | None = None, folder: Path | None = None,
              on_line=print, apt_from: Path | None = None) -> list[Change]:
    """Resolve and write a site's lock; returns what changed against the previous lock (Python and apt).

    apt_from: a base image's manifest (after a build) whose dpkg versions pin the apt packages, for a
    distribution whose index this machine cannot reach.
    """
    from envkit.lock.files import read_pylock

    folder = folder or lock_dir(profile.name)
    old: SiteLock | None = load_site_lock(profile.name, folder)
    resolver = uv_version()
    meta: dict = {"site": profile.name, "resolver": resolver, "python_index": INDEX_URL, "layers": {}}
    changes: list[Change] = []
    staged = Path(tempfile.mkdtemp(prefix=".locks-", dir=folder.parent if folder.parent.is_dir() else None))
    try:
        base_pins: dict[str, str] = {}
        for inputs in site_inputs(profile):
            info = _lock_layer(inputs, old, upgrade, base_pins, staged, on_line, apt_from)
            meta["layers"][inputs.layer] = info
            new = read_pylock(staged / info["pylock"]) if info.get("pylock") else {}
            pins = {n: p.version for n, p in new.items()}
            if inputs.layer == "base":
                base_pins = pins
            before = old.layers[inputs.layer] if old and inputs.layer in old.layers else None
            changes += diff_maps(f"{inputs.layer} python", before.pins() if before else {}, pins)
            changes += diff_maps(f"{inputs.layer} apt", before.apt if before else {}, info.get("apt", {}))
        meta["created"] = _created(old, changes)
        (staged / META).write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")
        _swap(staged, folder)
    finally:
        shutil.rmtree(staged, ignore_errors=True)
    return changes


def _lock_layer(inputs: LayerInputs, old: SiteLock | None, upgrade: list[str] | None, base_pins: dict[str, str],
                staged: Path, on_line, apt_from: Path | None = None) -> dict:
    info: dict = {"inputs": inputs.digest(), "resolved": inputs.resolvable, "image": inputs.image,
                  "python": inputs.python_version, "platform": inputs.python_platform, "local": list(inputs.local)}
    if inputs.conda:
        info["conda"] = list(inputs.conda)
    if not inputs.resolvable:
        info["why"] = inputs.why
        on_line(f"{inputs.layer}: not resolved here: {inputs.why}")
        return info
    on_line(f"{inputs.layer}: resolving {len(inputs.requirements)} requirements for "
            f"{inputs.python_platform}, Python {inputs.python_version}")
    before = old.layers.get(inputs.layer) if old else None
    previous = before.pins() if before else {}
    if inputs.layer != "base":
        previous = {**base_pins, **previous}
    text = resolve_python(inputs, previous, upgrade, constraints=base_pins if inputs.layer != "base" else {},
                          skip=base_pins if inputs.layer != "base" else {})
    info["pylock"] = _pylock_name(inputs.layer)
    (staged / info["pylock"]).write_text(text)
    versions, source, why = resolve_apt(inputs.apt, inputs.image)
    if why and before is not None and before.apt and not apt_from:
        versions, source, why = before.apt, dict(before.source), ""     # pinned earlier from a manifest: kept
    if why and apt_from is not None and inputs.layer == "base":
        from envkit.lock.resolve import apt_from_manifest

        manifest = json.loads(apt_from.read_text())
        versions = apt_from_manifest(inputs.apt, manifest.get("dpkg") or {})
        source, why = {"from_manifest": f"{manifest.get('tag', apt_from.name)} built {manifest.get('built_at')}"}, ""
    info["apt"] = versions
    digest = ("none: the root file system is made by debootstrap from the suite's index" if "suite" in source
              else "unknown here: record it with `skopeo inspect` where the registry is reachable")
    info["source"] = {"image_digest": digest, **source, "python_index": INDEX_URL}
    if why:
        info["apt_why"] = why
    return info


def _created(old: SiteLock | None, changes: list[Change]) -> str:
    """The lock's date: kept when nothing changed, so a no-op re-lock leaves the files byte-identical."""
    if old and not changes and old.meta.get("created"):
        return str(old.meta["created"])
    return dt.datetime.now(dt.timezone.utc).date().isoformat()


def _swap(staged: Path, folder: Path) -> None:
    """Replace the lock folder's files with the staged ones (each file renamed into place)."""
    import os

    folder.mkdir(parents=True, exist_ok=True)
    keep = {p.name for p in staged.iterdir()}
    for path in staged.iterdir():
        os.replace(path, folder / path.name)
    for path in folder.glob("pylock.*.toml"):
        if path.name not in keep:
            path.unlink()

"""The committed renders in containers/: every shipped site, every layer, both formats.

Admins read and diff these files instead of running envkit. For each profile in
site-profiles/ this writes

    containers/<site>/base.def, site.def, horovod.def, workload-<name>.def
    containers/<site>/docker/<layer>/Dockerfile (+ its install and test scripts)

with one `workload-<name>` per bundled workload. A user's own profiles, bases and workloads
($ENVKIT_PROFILE_PATH, $ENVKIT_HOME) are left out.
`--check` renders afresh in memory and exits 1 listing every file that differs,
is missing, or is stale; without it the folder is rewritten to match.

Example:
    $ python -m envkit.recipe.goldens          # rewrite containers/
    $ python -m envkit.recipe.goldens --check  # exit 1 if containers/ is out of date
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from envkit.errors import EnvkitError
from envkit.profile import load_profile
from envkit.recipe.formats import render_layer
from envkit.recipe.layers import kinds_upto, layer_of
from envkit.recipe.model import Layer
from envkit.recipe.workload_spec import list_workloads
from envkit.resources import containers_dir, shipped


@contextmanager
def _shipped_only() -> Iterator[None]:
    """Ignore ENVKIT_PROFILE_PATH, ENVKIT_WORKLOADS and the user's envkit folder: a user's profiles, bases
    and workloads cannot shadow the shipped ones or add files."""
    saved = {name: os.environ.pop(name, None) for name in ("ENVKIT_PROFILE_PATH", "ENVKIT_HOME", "ENVKIT_WORKLOADS")}
    os.environ["ENVKIT_HOME"] = str(shipped())
    try:
        yield
    finally:
        for name, value in saved.items():
            os.environ.pop(name, None)
            if value is not None:
                os.environ[name] = value


def shipped_sites() -> list[str]:
    """Names of the shipped profiles (site-profiles/), sorted."""
    return sorted(p.stem for p in (shipped() / "site-profiles").glob("*.yaml"))


def _layers(site: str, workloads: list[str]) -> list[tuple[str, Layer]]:
    profile = load_profile(site)
    layers: list[tuple[str, Layer]] = [(kind, layer_of(profile, kind)) for kind in kinds_upto("horovod", None)]
    layers += [(f"workload-{name}", layer_of(profile, "workload", name)) for name in workloads]
    return layers


def render_all() -> dict[str, str]:
    """Every golden file, by path relative to containers/ (POSIX separators), in sorted order."""
    files: dict[str, str] = {}
    with _shipped_only():
        workloads = list_workloads()
        for site in shipped_sites():
            for label, layer in _layers(site, workloads):
                (definition,) = render_layer(layer, "singularity", site).values()
                files[f"{site}/{label}.def"] = definition
                for name, text in render_layer(layer, "docker", site).items():
                    files[f"{site}/docker/{label}/{name}"] = text
        from envkit.batch.goldens import render_jobs  # hook: the batch job scripts live beside the recipes

        files.update(render_jobs())
    return dict(sorted(files.items()))


def _on_disk(root: Path) -> dict[str, Path]:
    if not root.is_dir():
        return {}
    return {p.relative_to(root).as_posix(): p for p in sorted(root.rglob("*"))
            if p.is_file() and "locks" not in p.relative_to(root).parts[1:2]}  # <site>/locks: envkit lock's


def _differences(root: Path, fresh: dict[str, str]) -> dict[str, str]:
    """Each path (relative to `root`) whose file is not what a fresh render gives: missing, differs or stale."""
    present = _on_disk(root)
    out: dict[str, str] = {}
    for rel, text in fresh.items():
        if rel not in present:
            out[rel] = "missing"
        elif present[rel].read_bytes() != text.encode("utf-8"):
            out[rel] = "differs"
    out.update({rel: "stale: no longer rendered" for rel in present if rel not in fresh})
    return out


def check(root: Path | None = None) -> list[str]:
    """Paths (relative to containers/) that differ from a fresh render, each with why."""
    return sorted(f"{rel} ({why})" for rel, why in _differences(root or containers_dir(), render_all()).items())


def write(root: Path | None = None) -> list[str]:
    """Rewrite containers/ to match a fresh render; returns the paths written or removed."""
    from envkit.fsutil import atomic_write_text

    root = root or containers_dir()
    fresh = render_all()
    changed: list[str] = []
    for rel in _differences(root, fresh):
        if rel in fresh:
            atomic_write_text(root / rel, fresh[rel])
            changed.append(rel)
        else:
            (root / rel).unlink()
            changed.append(f"{rel} (removed)")
    for folder in sorted((p for p in root.rglob("*") if p.is_dir()), key=lambda p: len(p.parts), reverse=True):
        if not any(folder.iterdir()):
            folder.rmdir()
    return changed


def main(argv: list[str] | None = None) -> int:
    """`python -m envkit.recipe.goldens [--check]`."""
    parser = argparse.ArgumentParser(prog="python -m envkit.recipe.goldens", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if containers/ differs from a fresh render")
    parser.add_argument("--root", type=Path, default=None, help="the folder to check or write (default: containers/)")
    args = parser.parse_args(argv)
    try:
        if args.check:
            problems = check(args.root)
            for line in problems:
                sys.stdout.write(f"containers/{line}\n")
            if problems:
                sys.stderr.write(f"{len(problems)} file(s) out of date: run `python -m envkit.recipe.goldens`\n")
                return 1
            return 0
        for line in write(args.root):
            sys.stdout.write(f"wrote containers/{line}\n")
    except EnvkitError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())

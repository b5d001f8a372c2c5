"""`envkit lock` and `envkit diff`: write a site's locks; compare two images, manifests, runs or locks.

Example:
    $ envkit lock --site local
    $ envkit lock --site local --upgrade numpy
    $ envkit lock --site local --check                 # exit 1 when the committed lock is stale
    $ envkit lock --site delta --fill-cache /srv/wheels # the locked files, for `pip config set global.find-links`
    $ envkit diff containers/local/locks /var/tmp/store/charliecloud/envkit-local-aigw.manifest.json
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from envkit.commands.options import SiteOpt


def lock_cmd(
    site: SiteOpt,
    project: Annotated[Path | None, typer.Argument(help="Your project's folder: writes its "
                                                        "pylock.<site>.toml beside it.")] = None,
    upgrade: Annotated[list[str] | None, typer.Option(
        "--upgrade", help="Move these packages (and what they need) forward; `--upgrade ''` moves all.")] = None,
    check: Annotated[bool, typer.Option("--check", help="Only say whether the lock is stale (exit 1 if so).")] = False,
    fill_cache: Annotated[Path | None, typer.Option(
        "--fill-cache", help="Download every locked file into this folder (a wheel cache for find-links).")] = None,
    layer: Annotated[list[str] | None, typer.Option("--layer", help="With --fill-cache: only these layers.")] = None,
    apt_from: Annotated[Path | None, typer.Option(
        "--apt-from", help="A built base image's manifest: pin apt packages to its versions (Ubuntu images).")] = None,
) -> None:
    """Resolve the site's layers into containers/SITE/locks. Example: envkit lock --site local --upgrade numpy"""
    from envkit.lock.diff import summary_line
    from envkit.lock.files import lock_dir, stale_layers
    from envkit.lock.write import lock_site
    from envkit.profile import load_profile

    profile = load_profile(site)
    if project is not None:
        return _lock_project(profile, project, upgrade, check)
    if check:
        from envkit.lock.check import hash_mismatches
        from envkit.lock.files import load_site_lock

        stale = stale_layers(profile)
        lock = load_site_lock(profile.name)
        if lock is not None:
            stale += hash_mismatches(lock, lock.folder.parent)
        for line in stale:
            sys.stdout.write(f"stale {line}\n")
        if stale:
            sys.stderr.write(f"error: the lock of {profile.name} is stale; `envkit lock --site {profile.name}` "
                             "fixes it\n")
            raise typer.Exit(1)
        sys.stdout.write(f"lock of {profile.name} is up to date\n")
        return
    if fill_cache is not None:
        from envkit.errors import EnvkitError
        from envkit.lock.cache import fill_cache as fill
        from envkit.lock.files import load_site_lock

        lock = load_site_lock(profile.name)
        if lock is None:
            raise EnvkitError(f"site {profile.name} has no lock; `envkit lock --site {profile.name}` writes it")
        count = fill(lock, fill_cache, layer, on_line=lambda line: sys.stderr.write(line + "\n"))
        sys.stdout.write(f"{fill_cache}: {count} locked packages, each checked against its sha256\n")
        return
    names = None if upgrade is None else [u for u in upgrade if u.strip()]
    changes = lock_site(profile, names, on_line=lambda line: sys.stderr.write(line + "\n"), apt_from=apt_from)
    for change in changes:
        sys.stdout.write(f"{change}\n")
    sys.stdout.write(f"{lock_dir(profile.name)}: {summary_line(changes)}\n")


def _lock_project(profile, folder: Path, upgrade: list[str] | None, check: bool) -> None:
    """`envkit lock --site SITE PROJECT [--check] [--upgrade NAME]`."""
    from envkit.errors import EnvkitError
    from envkit.project.lock import load_project_lock, write_project_lock
    from envkit.project.spec import is_project, load_project

    if not is_project(str(folder)):
        raise EnvkitError(f"{folder}: not a project folder (it needs requirements.txt, pyproject.toml or "
                          "environment.yml)")
    project = load_project(str(folder))
    if check:
        try:
            lock = load_project_lock(profile, project)
        except EnvkitError as exc:
            sys.stderr.write(f"error: {exc}\n")
            raise typer.Exit(1) from None
        sys.stdout.write(f"{lock.path}: up to date\n")
        return
    names = None if upgrade is None else [u for u in upgrade if u.strip()]
    path, pins = write_project_lock(profile, project, names)
    for name, version in sorted(pins.items()):
        sys.stdout.write(f"{name}=={version}\n")
    if project.not_locked:
        sys.stderr.write(f"warning: not locked (conda packages; conda channels cannot be reached here, list them "
                         f"under pip: to install them): {' '.join(project.not_locked)}\n")
    sys.stdout.write(f"{path}: {len(pins)} packages for {profile.name} (the rest come from its base)\n")


def diff_cmd(
    a: Annotated[str, typer.Argument(help="An image folder, a manifest JSON, a run folder, or a lock.")],
    b: Annotated[str, typer.Argument(help="The same kinds as A.")],
    store: Annotated[Path | None, typer.Option(help="Where to find a run's image manifest.")] = None,
) -> None:
    """Added, removed and changed packages from A to B. Example: envkit diff containers/local/locks run1/"""
    from envkit.lock.diff import diff_sources, summary_line

    changes, label_a, label_b = diff_sources(a, b, store)
    for change in changes:
        sys.stdout.write(f"{change}\n")
    sys.stdout.write(f"{label_a} -> {label_b}: {summary_line(changes)}\n")
    if changes:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add `lock` and `diff` to the envkit command line."""
    app.command("lock")(lock_cmd)
    app.command("diff")(diff_cmd)

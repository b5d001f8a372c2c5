"""What the recipe templates get from a site's lock (data only: versions, hashes, where the lock lives).

Example:
    >>> from envkit.profile import load_profile
    >>> ctx = recipe_context(load_profile("local"), "base", ["cmake"])
    >>> ctx["lock"].resolved, ctx["apt_install"][0].startswith("cmake=")
    (True, True)
"""

from __future__ import annotations

from envkit.lock.files import load_site_lock

# Installed by their own steps in the base recipe (an MPI build, a patched source build), not with the wheels.
SOURCE_BUILT = ("mpi4py", "horovod")


def recipe_context(profile, layer: str, apt: list[str] | tuple[str, ...]) -> dict:
    """{lock: LayerLock|None, lock_hash, lock_path, apt_install: [name=version...], source_built}."""
    site = load_site_lock(profile.name)
    found = site.layers.get(layer) if site else None
    lock = found if found is not None and found.resolved else None
    return {
        "lock": lock,
        "lock_note": (found.why if found is not None and not found.resolved else
                      "" if lock else f"no lock: `envkit lock --site {profile.name}` writes it"),
        "lock_hash": site.digest() if site else "",
        "lock_path": f"containers/{profile.name}/locks/pylock.{layer}.toml",
        "apt_install": found.apt_install(list(apt)) if found is not None else list(apt),
        "apt_note": (found.source.get("suite", "") if found is not None and found.apt else ""),
        "source_built": SOURCE_BUILT,
    }

"""Locked package sets: every layer's Python packages (with hashes) and system packages (with versions).

    inputs.py   what a layer's lock is resolved from, and its hash (stale when that changes)
    resolve.py  uv for Python (any platform), apt-cache for Debian packages
    write.py    `envkit lock`: resolve and write containers/<site>/locks/ atomically
    files.py    read a committed lock, staleness, the refusal `envkit build` gives
    context.py  what the recipe templates get from the lock
    diff.py     `envkit diff`: two images, manifests, runs or locks compared

Example:
    >>> from envkit.lock.files import load_site_lock
    >>> load_site_lock("local").layers["base"].resolved
    True
"""

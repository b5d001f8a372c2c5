"""The image store: where images and their records live, cache keys, file locks, atomic swaps, image manifests.

Example:
    >>> from envkit.store.paths import default_store
    >>> default_store().name
    'envkit'
"""

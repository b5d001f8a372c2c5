"""The build pipeline: base -> site -> workload layers, cached, locked, atomic; plus inspect, verify, doctor.

Example:
    >>> from envkit.store.paths import default_store
    >>> default_store().name
    'envkit'
"""

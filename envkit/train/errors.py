"""The training runner's one error type, shared by the workload loader and the hyperparameter model.

Example:
    >>> str(WorkloadError("unknown preset 'x'"))
    "unknown preset 'x'"
"""

from __future__ import annotations


class WorkloadError(ValueError):
    """A workload that cannot be found or read (printed as one line)."""

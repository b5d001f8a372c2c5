"""The layout of /opt/envkit inside every envkit image: one home for each path.

The recipes (through the `image_root` and `venv` values of their context and the `paths` global),
the engines, the launcher and the docs all take their paths from here.

Example:
    >>> VENV, manifest_file("mpi-version.txt")
    ('/opt/envkit/venv', '/opt/envkit/manifest/mpi-version.txt')
"""

from __future__ import annotations

IMAGE_ROOT = "/opt/envkit"
"""Everything envkit puts into an image lives below this folder (and $ENVKIT_HOME points to it)."""

VENV = f"{IMAGE_ROOT}/venv"
"""The image's Python environment (a venv, or a conda prefix on ppc64le)."""

SRC = f"{IMAGE_ROOT}/src"
"""envkit's own source, copied into a workload layer and pip-installed there."""

WORKLOADS = f"{IMAGE_ROOT}/workloads"
"""A workload layer's workload folder: WORKLOADS/<name>."""

RESULTS = f"{IMAGE_ROOT}/results"
"""Where a run inside the image writes; the launcher binds the host's results folder here."""

RECIPES = f"{IMAGE_ROOT}/recipes"
"""The Dockerfile form's install and test scripts, copied in before they run."""

MANIFEST_DIR = f"{IMAGE_ROOT}/manifest"
"""Facts the build records inside the image (MPI version, Horovod build, profile hash, base name)."""


def manifest_file(name: str) -> str:
    """A file of the image's manifest folder."""
    return f"{MANIFEST_DIR}/{name}"

"""When a base's Python environment can be reused by another base: the key of what it is made of.

A base's venv (torch and the rest, 5.5 GB) is a function of the starting image, the image's python3 (its apt
pin), how the venv is made and the lock's hash-checked requirement lines. When nothing in it was compiled
against the image's MPI (mpi4py from its MPI-agnostic wheel, Horovod a layer of its own), two bases that differ
only in MPI (`local` and `local-mpich`) install byte-for-byte the same files. The key names those inputs; a
base writes it to its manifest (`venv-key.txt`), and a later base with the same key copies that venv instead of
installing 5.5 GB of wheels again (`recipes/scripts/base.post.sh.j2`, step 3; the Charliecloud engine finds
the donor in its storage). A base whose venv holds an MPI-compiled package gets no key and installs as before.

Example:
    >>> key = venv_key("debian:bookworm", ["cmake=3.25.1-1", "python3=3.11.2-1+b1"], ["numpy==2.3.5 --hash=sha256:ab"])
    >>> len(key), key == venv_key("debian:bookworm", ["python3=3.11.2-1+b1"], ["numpy==2.3.5 --hash=sha256:ab"])
    (64, True)
    >>> key == venv_key("debian:bookworm", ["python3=3.11.2-1+b2"], ["numpy==2.3.5 --hash=sha256:ab"])
    False
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence

# Bumped when the way a base makes its venv changes (the venv command, pip's flags): old donors stop matching.
RECIPE_VERSION = "venv-1"


def venv_key(image: str, apt_install: Sequence[str], requirements: Sequence[str]) -> str:
    """sha256 over the starting image, the python3 packages' apt pins and the locked requirement lines."""
    python_pins = sorted(pin for pin in apt_install if pin.split("=", 1)[0].startswith("python3"))
    text = json.dumps([RECIPE_VERSION, image, python_pins, list(requirements)], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()

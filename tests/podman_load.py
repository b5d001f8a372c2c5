"""`podman load` an exported archive into envkit's own Podman storage and run a command in it (the tests'
one place for this: tests/export/test_export_local.py loads the OCI archive, tests/pipeline/test_podman_real.py
the docker-archive).

Example:
    >>> loaded_ref("Getting image source signatures\\nLoaded image: localhost/envkit-local:latest\\n")
    'localhost/envkit-local:latest'
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from envkit.engines.podman import Podman

STORE = Path(os.environ.get("ENVKIT_TEST_STORE", "/var/tmp/envkit-test-store"))
ROOT = STORE / "podman"


def podman_usable() -> bool:
    """Podman here, as root (envkit's Podman engine runs rootful)."""
    return shutil.which("podman") is not None and os.geteuid() == 0


def loaded_ref(stdout: str) -> str:
    """The image `podman load` names on its last line (the first when it names several)."""
    return stdout.strip().splitlines()[-1].split("Loaded image:")[-1].strip().split(",")[0]


def load_and_run(archive: Path, command: list[str]) -> subprocess.CompletedProcess[str]:
    """`podman load -i ARCHIVE`, `podman run --rm IMAGE COMMAND`, then the loaded image removed again."""
    podman = Podman().podman(ROOT)
    Podman().write_config(ROOT)
    loaded = subprocess.run([*podman, "load", "-i", str(archive)], capture_output=True, text=True, timeout=1800)
    assert loaded.returncode == 0, loaded.stderr[-2000:]
    ref = loaded_ref(loaded.stdout)
    try:
        return subprocess.run([*podman, "run", "--rm", ref, *command], capture_output=True, text=True, timeout=600)
    finally:
        subprocess.run([*podman, "rmi", "-f", ref], capture_output=True, timeout=300)

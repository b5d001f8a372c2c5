"""README's set-up works on a pristine Debian 12: `scripts/setup.sh --light`, then README's render command.

The root file system is a `debootstrap --variant=minbase bookworm` tree: the one the local base's first
stage already imported into the shared Charliecloud store (see envkit.engines.dockerfile.debootstrap), else a fresh one.
A copy of it runs the repository's files under `ch-run -w` as root, with a clean environment, so a system
package that setup.sh forgets (python3-venv, python3-pip...) fails here and not on a user's machine.
"""

from __future__ import annotations

import os
import re
import shutil
import ssl
import subprocess
from pathlib import Path

import pytest

from envkit.engines.charliecloud import Charliecloud
from envkit.engines.dockerfile import debootstrap as db

REPO = Path(__file__).resolve().parents[2]
STORE = Path(os.environ.get("ENVKIT_TEST_STORE", "/var/tmp/envkit-test-store"))

pytestmark = [pytest.mark.slow, pytest.mark.container]


def readme_render_command() -> str:
    """The first `envkit render ...` line of README.md's shell blocks, without its comment."""
    text = (REPO / "README.md").read_text()
    blocks = re.findall(r"```bash\n(.*?)```", text, re.S)
    lines = [line.split("#", 1)[0].strip() for block in blocks for line in block.splitlines()]
    return next(line for line in lines if line.startswith("envkit render "))


def _pristine_tree(tmp: Path) -> Path:
    """A writable copy of a minbase bookworm tree (the store's imported one, else debootstrapped now)."""
    root = tmp / "root"
    cached = Charliecloud().image_path(STORE / "charliecloud", "debian:bookworm")
    if (cached / "bin").exists():
        subprocess.run(["cp", "-a", str(cached), str(root)], check=True, timeout=300)
    else:
        mirror = db.mirror_for("bookworm", db.apt_sources())
        subprocess.run(db.debootstrap_argv("bookworm", root, mirror.uri), check=True, timeout=1200,
                       capture_output=True)
    files = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=REPO,
                           check=True, capture_output=True).stdout.decode().split("\0")
    for rel in filter(None, files):
        if (REPO / rel).is_file():
            (root / "envkit" / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / rel, root / "envkit" / rel)
    return root


def _clean_env(root: Path) -> list[str]:
    """ch-run flags for a clean environment: PATH, HOME, and the host's CA bundle and proxies for pip."""
    flags = ["--unset-env=*", "--set-env=PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
             "--set-env=HOME=/root", "--set-env=LANG=C.UTF-8"]
    bundle = os.environ.get("PIP_CERT") or ssl.get_default_verify_paths().cafile
    if bundle and Path(bundle).is_file():  # a site's TLS-inspecting proxy: trust what the host trusts
        shutil.copy(bundle, root / "host-ca.crt")
        flags.append("--set-env=PIP_CERT=/host-ca.crt")
    for name in ("http_proxy", "https_proxy", "no_proxy", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY"):
        if name in os.environ:
            flags.append(f"--set-env={name}={os.environ[name]}")
    return flags


def test_readme_render_command_is_what_admins_run() -> None:
    assert readme_render_command() == "envkit render --site hal --layer base"


def test_setup_light_then_render_on_pristine_debian_12(tmp_path: Path) -> None:
    if shutil.which("ch-run") is None:
        pytest.fail("ch-run not found: scripts/setup.sh installs charliecloud")
    root = _pristine_tree(tmp_path)
    assert not (root / "usr" / "bin" / "python3").exists(), "the tree must be pristine (minbase has no python3)"
    command = readme_render_command()
    script = f"bash scripts/setup.sh --light && echo ===render=== && .venv/bin/{command}"
    env = {**os.environ, "USER": os.environ.get("USER") or "root"}
    proc = subprocess.run(["ch-run", "-w", *_clean_env(root), "--cd", "/envkit", str(root), "--", "bash", "-c", script],
                          capture_output=True, text=True, timeout=1200, env=env, check=False)
    assert proc.returncode == 0, f"exit {proc.returncode}:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    setup, rendered = proc.stdout.split("===render===\n")
    lines = setup.splitlines()
    assert 3 <= len(lines) <= 6 and all(line.startswith("envkit setup: ") for line in lines), setup
    assert "Python venv and pip (apt)" in setup
    assert re.fullmatch(r"envkit setup: ready: \.venv/bin/envkit \(\d+ s\)", lines[-1]), lines[-1]
    assert rendered == (REPO / "containers" / "hal" / "base.def").read_text()

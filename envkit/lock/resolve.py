"""Resolve a layer's lock: Python packages with uv, Debian packages from the distribution's index.

Why uv: it resolves for a platform and Python that are not this machine's (`--python-platform
x86_64-manylinux_2_35 --python-version 3.10`), which a site lock needs (its CUDA wheels, its Python), and it
writes PEP 751 `pylock.toml`. `pip lock` (pip >= 25.1) resolves only for the running interpreter's platform.
uv knows no ppc64le wheel tags, and conda channels are not reachable here: those layers are left unresolved
and say why (see envkit.lock.inputs).

Preferences: the previous lock's versions are kept unless `--upgrade` names a package (or names none: all),
so a re-lock moves only what was asked for and what it needs.

Example:
    >>> parse_apt_policy("make:\\n  Installed: (none)\\n  Candidate: 4.3-4.1\\n  Version table:\\n")
    {'make': '4.3-4.1'}
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from envkit.errors import EnvkitError
from envkit.lock.inputs import INDEX_URL, LayerInputs


def uv_binary() -> list[str]:
    """How to start uv: the `uv` beside this Python, else PATH's, else `python -m uv`."""
    beside = Path(sys.executable).parent / "uv"
    if beside.exists():
        return [str(beside)]
    found = shutil.which("uv")
    if found:
        return [found]
    return [sys.executable, "-m", "uv"]


def uv_version() -> str:
    """`uv 0.13.9` (or raises a one-line error saying how to install it)."""
    try:
        proc = subprocess.run([*uv_binary(), "--version"], capture_output=True, text=True, timeout=60)
    except OSError:
        proc = None
    if proc is None or proc.returncode != 0:
        raise EnvkitError("uv is not installed; `pip install uv` (envkit lock resolves with uv)")
    return " ".join(proc.stdout.split()[:2])


def _uv(args: list[str], cwd: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("UV_")}
    proc = subprocess.run([*uv_binary(), "pip", "compile", "--no-config", "--quiet", "--no-header",
                           "--index-url", INDEX_URL, *args], capture_output=True, text=True, cwd=cwd, env=env,
                          timeout=900)
    if proc.returncode != 0:
        last = [line for line in proc.stderr.splitlines() if line.strip()]
        raise EnvkitError(f"uv could not resolve: {' '.join(last[-3:]) or proc.returncode}")


def resolve_python(inputs: LayerInputs, previous: dict[str, str], upgrade: list[str] | None,
                   constraints: dict[str, str], skip: dict[str, str]) -> str:
    """The pylock.toml text of a layer.

    previous: the old lock's pins (kept unless upgraded); upgrade: None keeps, [] upgrades all, names upgrade
    those; constraints: versions the layer must agree with (the base's, for a workload); skip: packages
    already installed by the parent layer at these versions (left out of this layer's lock).
    """
    with tempfile.TemporaryDirectory(prefix="envkit-lock-") as tmp:
        work = Path(tmp)
        (work / "in.txt").write_text("\n".join(inputs.requirements) + "\n")
        pins = work / "pins.txt"
        if previous and upgrade != []:
            pins.write_text("".join(f"{n}=={v}\n" for n, v in sorted(previous.items())))
        target = ["--python-version", inputs.python_version, "--python-platform", inputs.python_platform]
        args = ["in.txt", "-o", "pins.txt", *target]
        if constraints:
            (work / "c.txt").write_text("".join(f"{n}=={v}\n" for n, v in sorted(constraints.items())))
            args += ["-c", "c.txt"]
        if upgrade == []:
            args.append("--upgrade")
        for name in upgrade or []:
            args += ["--upgrade-package", name]
        _uv(args, work)
        resolved = parse_pins(pins.read_text())
        own = {n: v for n, v in resolved.items() if skip.get(n) != v}
        (work / "own.txt").write_text("".join(f"{n}=={v}\n" for n, v in sorted(own.items())))
        if not own:
            return 'lock-version = "1.0"\ncreated-by = "envkit"\npackages = []\n'
        _uv(["own.txt", "--no-deps", "--generate-hashes", "--format", "pylock.toml", "-o", "pylock.toml",
             *target], work)
        return (work / "pylock.toml").read_text()


def parse_pins(text: str) -> dict[str, str]:
    """`name==version` lines of a requirements file -> {name: version} (comments and options skipped)."""
    out = {}
    for line in text.splitlines():
        match = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)", line.strip())
        if match:
            out[match.group(1).lower().replace("_", "-")] = match.group(2)
    return out


def parse_apt_policy(text: str) -> dict[str, str]:
    """`apt-cache policy A B` -> {package: candidate version} (packages with no candidate left out)."""
    out, name = {}, None
    for line in text.splitlines():
        if line and not line[0].isspace() and line.endswith(":"):
            name = line[:-1]
        elif name and line.strip().startswith("Candidate:"):
            version = line.split(":", 1)[1].strip()
            if version and version != "(none)":
                out[name] = version
    return out


def host_codename() -> str:
    """This machine's Debian/Ubuntu codename (VERSION_CODENAME in /etc/os-release)."""
    try:
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("VERSION_CODENAME="):
                return line.split("=", 1)[1].strip().strip('"')
    except OSError:
        pass
    return ""


def index_date(suite: str) -> str:
    """The Date of this machine's apt index for a suite (its InRelease file), '' when unknown."""
    for path in sorted(Path("/var/lib/apt/lists").glob(f"*_dists_{suite}_InRelease")):
        for line in path.read_text(errors="replace").splitlines():
            if line.startswith("Date:"):
                return line.split(":", 1)[1].strip()
    return ""


def resolve_apt(names: tuple[str, ...], image: str) -> tuple[dict[str, str], dict[str, str], str]:
    """(versions, source, why-not): the candidate version of each package in the image's Debian suite.

    Resolved from this machine's own apt index, which is the index the image is built from (the image's
    sources.list is this machine's, see envkit.engines.dockerfile.debootstrap), so only when this machine runs the
    same suite. Other distributions (the CUDA images' Ubuntu) cannot be reached from here: why-not says so.
    """
    from envkit.engines.dockerfile.debootstrap import apt_sources, debian_suite, mirror_for

    if not names:
        return {}, {}, ""
    suite = debian_suite(image)
    if suite is None:
        return {}, {}, (f"{image} is not a Debian image and its index cannot be reached here; pin after a build "
                        "with the versions its manifest lists")
    if host_codename() != suite or shutil.which("apt-cache") is None:
        return {}, {}, f"this machine does not run Debian {suite}, whose index the image uses"
    proc = subprocess.run(["apt-cache", "policy", *names], capture_output=True, text=True, timeout=120)
    versions = parse_apt_policy(proc.stdout)
    missing = [n for n in names if n not in versions]
    if missing:
        raise EnvkitError(f"apt has no candidate for {', '.join(missing)} in Debian {suite} (run apt-get update)")
    mirror = mirror_for(suite, apt_sources()).uri
    return versions, {"suite": suite, "mirror": mirror, "index_date": index_date(suite),
                      "debootstrap": f"debootstrap --variant=minbase {suite}"}, ""


def apt_from_manifest(names: tuple[str, ...], dpkg: dict[str, str]) -> dict[str, str]:
    """The versions an image's manifest lists for these packages (a lock for an index this machine cannot reach).

    Example:
        >>> apt_from_manifest(("cmake",), {"cmake": "3.22.1-1ubuntu1.22.04.2", "bash": "5.1"})
        {'cmake': '3.22.1-1ubuntu1.22.04.2'}
    """
    missing = [n for n in names if n not in dpkg]
    if missing:
        raise EnvkitError(f"the manifest lists no {', '.join(missing)}; is it this site's base image?")
    return {n: dpkg[n] for n in names}

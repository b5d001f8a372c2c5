"""A site's committed lock: where it lives, how it is read, and whether it is stale.

containers/<site>/locks/ holds, for every layer that installs packages:

    pylock.<layer>.toml   the Python packages with hashes (PEP 751, written by uv)
    envkit-lock.json      per layer: the inputs' hash, the apt packages with versions, where they came from
                          (starting image, Debian suite and its index date, the Python index), or why the
                          layer could not be resolved here

Example:
    >>> lock = load_site_lock("local")
    >>> sorted(lock.layers)[:2]
    ['base', 'workload-aides']
    >>> "torch" in lock.layers["base"].packages
    True
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from envkit.errors import EnvkitError
from envkit.lock.tomlread import load_toml  # noqa: F401  (re-exported)
from envkit.resources import PACKAGED, containers_dir, shipped, user_home

META = "envkit-lock.json"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_VERSION = re.compile(r"[A-Za-z0-9.+!_-]+")
_SHA256 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class Package:
    """One locked Python package: version, and the sha256 of every file the lock allows (wheels, sdist)."""

    name: str
    version: str
    hashes: tuple[str, ...]
    sdist: bool = False

    def requirement(self) -> str:
        """A pip hash-checking requirement line: `name==version --hash=sha256:...`."""
        return " ".join([f"{self.name}=={self.version}", *(f"--hash=sha256:{h}" for h in self.hashes)])


@dataclass
class LayerLock:
    """The lock of one layer (base or workload-NAME)."""

    layer: str
    inputs: str
    resolved: bool
    why: str = ""
    packages: dict[str, Package] = field(default_factory=dict)
    apt: dict[str, str] = field(default_factory=dict)
    local: tuple[str, ...] = ()
    source: dict[str, str] = field(default_factory=dict)

    def requirements(self, only: tuple[str, ...] = (), exclude: tuple[str, ...] = ()) -> list[str]:
        """Hash-checking requirement lines, sorted by name (only some, or all but some)."""
        return [p.requirement() for name, p in sorted(self.packages.items())
                if (not only or name in only) and name not in exclude]

    def pins(self) -> dict[str, str]:
        """{name: version} of the locked Python packages."""
        return {name: p.version for name, p in self.packages.items()}

    def apt_install(self, names: list[str] | tuple[str, ...]) -> list[str]:
        """`name=version` for each apt package the lock pins; the bare name where it does not."""
        return [f"{n}={self.apt[n]}" if self.apt.get(n) else n for n in names]


@dataclass
class SiteLock:
    """Every layer lock of a site, and the facts shared by them."""

    site: str
    folder: Path
    meta: dict
    layers: dict[str, LayerLock]

    def digest(self) -> str:
        """sha256 (16 hex) of the lock files' bytes: what a run's metrics.json names."""
        return lock_digest(self.folder)


def lock_dir(site: str) -> Path:
    """containers/<site>/locks: the admin's folder ($ENVKIT_HOME) first, then envkit's shipped tree.

    A new lock goes to $ENVKIT_HOME when it is set, else to the checkout (committed beside the goldens),
    else (an installed wheel) to the user's envkit folder: never into the install tree.
    """
    for root in (user_home(), shipped()):
        folder = root / "containers" / site / "locks"
        if folder.is_dir():
            return folder
    if os.environ.get("ENVKIT_HOME") or shipped().name == PACKAGED:  # an installed wheel: never its own tree
        return user_home() / "containers" / site / "locks"
    return containers_dir() / site / "locks"


def lock_digest(folder: Path) -> str:
    """sha256 over the lock files (names and bytes), 16 hex chars."""
    digest = hashlib.sha256()
    for path in sorted(folder.glob("*")):
        if path.is_file() and (path.name == META or path.name.startswith("pylock.")):
            digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def read_pylock(path: Path) -> dict[str, Package]:
    """The packages of a PEP 751 pylock.toml: {name: Package}."""
    from envkit.records import lock as lock_file

    data = lock_file.read_pylock(path)
    out: dict[str, Package] = {}
    for entry in data.packages:
        files = [*entry.wheels, *([entry.sdist] if entry.sdist is not None else [])]
        hashes = tuple(f.hashes.sha256 for f in files if f.hashes.sha256)
        if not hashes:
            raise EnvkitError("every locked package needs a name, a version and sha256 hashes (64 hex digits)",
                              file=str(path), key=f"packages.{entry.name}")
        out[entry.name] = Package(entry.name, entry.version, hashes, entry.sdist is not None)
    return out


def load_site_lock(site: str, folder: Path | None = None) -> SiteLock | None:
    """The committed lock of a site, or None when it has none."""
    folder = folder or lock_dir(site)
    meta_path = folder / META
    if not meta_path.is_file():
        return None
    from envkit.records import lock as lock_file
    from envkit.records.reader import read_json

    record = lock_file.read(meta_path)
    meta = read_json(meta_path, lock_file.LIMIT)
    layers = {}
    for name, info in record.layers.items():
        packages = read_pylock(folder / info.pylock) if info.pylock else {}
        layers[name] = LayerLock(layer=name, inputs=info.inputs, resolved=info.resolved, why=info.why,
                                 packages=packages, apt=dict(info.apt), local=tuple(info.local),
                                 source=dict(info.source))
    return SiteLock(site=site, folder=folder, meta=meta, layers=layers)


def stale_layers(profile) -> list[str]:
    """Layers whose lock is missing or was written from other inputs (empty when the lock is fresh)."""
    from envkit.lock.inputs import site_inputs

    lock = load_site_lock(profile.name)
    out = []
    for inputs in site_inputs(profile):
        have = lock.layers.get(inputs.layer) if lock else None
        if have is None:
            out.append(f"{inputs.layer}: no lock")
        elif have.inputs != inputs.digest():
            out.append(f"{inputs.layer}: inputs changed since the lock was written")
    return out


def require_fresh(profile, layers: tuple[str, ...]) -> None:
    """Raise a one-line error when a layer about to be built has a missing or stale lock.

    A layer this machine could not resolve (ppc64le, conda) is not refused: its lock says why, and its
    recipe installs unpinned under a `# NOT LOCKED:` line, so its site can still build it.
    """
    problems = [p for p in stale_layers(profile) if p.split(":")[0] in layers]
    if problems:
        raise EnvkitError(f"site {profile.name}: lock is stale or missing ({'; '.join(problems)}); "
                          f"`envkit lock --site {profile.name}` fixes it")


#: Locked with the base layer (one resolve keeps Horovod consistent with torch) but installed only by the Horovod
#: layer (envkit/recipe/layers.py: horovod_layer): an image without that layer lacks them, and is right to.
HOROVOD_LAYER_ONLY = frozenset({"horovod"})


def installed_pins(pins: dict[str, str], horovod: bool = False) -> dict[str, str]:
    """The locked {name: version} an image holds: without its Horovod layer, Horovod's locked sdist is not in it.

    Example:
        >>> installed_pins({"torch": "2.14.1", "horovod": "0.28.1"})
        {'torch': '2.14.1'}
        >>> installed_pins({"torch": "2.14.1", "horovod": "0.28.1"}, horovod=True)
        {'torch': '2.14.1', 'horovod': '0.28.1'}
    """
    return dict(pins) if horovod else {n: v for n, v in pins.items() if n.lower() not in HOROVOD_LAYER_ONLY}


ASKED_ABOUT = ("torch", "torchvision", "mpi4py", "horovod", "numpy", "h5py")
ASKED_PREFIXES = ("nvidia-cudnn", "nvidia-nccl", "nvidia-cuda-runtime", "nvidia-cublas", "openmpi", "libopenmpi",
                  "mpich", "libmpich", "cuda-toolkit")


def locked_versions(site: str) -> list[dict[str, str]]:
    """The locked versions help-desk pages show (torch, CUDA libraries, MPI, mpi4py, Horovod...), base layer.

    Example:
        >>> rows = locked_versions("local")
        >>> [r["version"] for r in rows if r["package"] == "torch"]
        ['2.14.1']
    """
    lock = load_site_lock(site)
    base = lock.layers.get("base") if lock else None
    if base is None:
        return []
    where = f"containers/{site}/locks"
    rows = [{"package": n, "version": v, "kind": "python", "source": f"{where}/pylock.base.toml"}
            for n, v in sorted(base.pins().items()) if n in ASKED_ABOUT or n.startswith(ASKED_PREFIXES)]
    rows += [{"package": n, "version": v, "kind": "apt", "source": f"{where}/{META}"}
             for n, v in sorted(base.apt.items()) if n.startswith(ASKED_PREFIXES)]
    if not base.resolved:
        rows.append({"package": "(all)", "version": "not locked", "kind": "-", "source": base.why})
    return rows

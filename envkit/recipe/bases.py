"""Maintained base images: what every site image starts from.

A base is a YAML file in `bases/`: the OS+CUDA images it can start from (one
per arch and CUDA release), the Python stack, Horovod, and the upstream
source URLs it builds from. Admins clone a base (`envkit base clone`) and add
packages; a site profile names its base with `base:`.

Example:
    >>> base = load_base("envkit-base")
    >>> base.platform_for("x86_64", None).image
    'debian:bookworm'
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from envkit.errors import EnvkitError
from envkit.profile.cuda import major_minor
from envkit.profile.fields import ImageRef, Name, Requirement, Text, UrlTemplate, Version
from envkit.profile.model import Arch
from envkit.profile.validate import validate_doc
from envkit.profile.yamlsource import load_yaml_file
from envkit.resources import base_dirs


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class PythonStack(_Strict):
    """How Python and torch get into the image.

    installer: `venv` (the OS python3) or `conda` (Miniforge, any Python
    version on any arch); torch_from: `pip` (PyPI wheels) or `conda` (the
    channel's builds, the only torch for ppc64le); index_url: the one index
    torch comes from when it is not PyPI (torch's ROCm builds are only on
    download.pytorch.org/whl/rocmX.Y), which the lock cannot resolve.
    """

    installer: Literal["venv", "conda"]
    version: Version | None = None
    torch_from: Literal["pip", "conda"] = "pip"
    torch: list[Requirement]
    channel: Name | None = None
    index_url: UrlTemplate | None = None


class Platform(_Strict):
    """One starting image: an arch, a CUDA release or a ROCm release (both None for CPU-only), an OS image."""

    arch: Arch
    cuda: Version | None
    rocm: Version | None = None
    image: ImageRef
    os_family: Literal["debian"]  # Debian-family images only: the recipes install with apt-get
    python: PythonStack
    source: Text


class Horovod(_Strict):
    """Horovod built from its sdist, patched to C++17 for torch >= 2.0 (torch >= 2.0 headers need C++17)."""

    version: Version
    patch_cxx17: bool = True


class Extra(_Strict):
    """Packages a cloned base adds on top of its parent."""

    apt: list[Requirement] = Field(default_factory=list)
    pip: list[Requirement] = Field(default_factory=list)


class Base(_Strict):
    """A maintained base: its platforms, Python packages, Horovod and upstream sources."""

    name: Name
    description: Text
    parent: Name | None = None
    recipe: Name = "base"
    python_packages: list[Requirement] = Field(default_factory=list)
    horovod: Horovod | None = None
    sources: dict[Name, UrlTemplate] = Field(default_factory=dict)
    miniforge_version: Version = "24.3.0-0"
    platforms: list[Platform] = Field(default_factory=list)
    extra: Extra = Field(default_factory=Extra)

    def platform_for(self, arch: str, cuda: str | None, driver: str | None = None, rocm: str | None = None) -> Platform:
        """The platform for a site's arch and CUDA toolkit (or ROCm release), chosen by compatibility (see
        `choose_platform`)."""
        return self.choose_platform(arch, cuda, driver, rocm=rocm)[0]

    def choose_platform(self, arch: str, cuda: str | None, driver: str | None = None,
                        rocm: str | None = None) -> tuple[Platform, str]:
        """(platform, why): the base image a site gets, from what its driver can run, not an exact match.

        Each platform is a CUDA release with the torch build published for it. In order: the site's own
        release; else the newest release of the same major that is not newer than the site's toolkit (a
        driver that runs CUDA X.Y runs every X.y <= X.Y, NVIDIA's compatibility table); else the oldest
        newer release of that major, which the driver runs by minor-version compatibility (a validated
        profile's driver is above its major's floor, envkit/profile/cuda.py).

        >>> base = load_base("envkit-base")
        >>> p, why = base.choose_platform("x86_64", "12.2", "535.104.05")
        >>> p.cuda, why.split(" (")[0]
        ('12.1', 'CUDA 12.1')
        """
        from envkit.profile.cuda import driver_ok, version_tuple

        same_arch = [p for p in self.platforms if p.arch == arch]
        if rocm is not None:
            return self._rocm_platform(arch, rocm, same_arch)
        same_arch = [p for p in same_arch if p.rocm is None]
        if cuda is None:
            cpu = [p for p in same_arch if p.cuda is None]
            if cpu:
                return cpu[0], "CPU-only site: the platform without CUDA"
        else:
            want = version_tuple(major_minor(cuda))
            gpu = sorted((p for p in same_arch if p.cuda and version_tuple(major_minor(p.cuda))[0] == want[0]),
                         key=lambda p: version_tuple(major_minor(p.cuda or "0")))
            exact = [p for p in gpu if version_tuple(major_minor(p.cuda or "0")) == want]
            if exact:
                return exact[0], f"CUDA {exact[0].cuda}: the site's own release"
            older = [p for p in gpu if version_tuple(major_minor(p.cuda or "0")) < want]
            if older:
                p = older[-1]
                return p, (f"CUDA {p.cuda} (newest published torch build not newer than the site's {cuda}): a "
                           f"driver that runs {cuda} runs {p.cuda}; torch {' '.join(p.python.torch)}")
            newer = [p for p in gpu if version_tuple(major_minor(p.cuda or "0")) > want]
            if newer and (driver is None or driver_ok(newer[0].cuda or "", driver) != "too-old"):
                p = newer[0]  # a validated profile's driver is above its major's minor-version floor
                return p, (f"CUDA {p.cuda} (oldest published torch build above the site's {cuda}): the driver "
                           f"{driver or ''} runs it by minor-version compatibility; torch {' '.join(p.python.torch)}")
        raise EnvkitError(f"base {self.name!r} has no image for {arch} with CUDA {cuda or 'none'} that the site's "
                          f"driver can run (it offers: {self._offered()})")

    def _offered(self) -> str:
        return ", ".join(f"{p.arch}/rocm-{p.rocm}" if p.rocm else f"{p.arch}/cuda-{p.cuda or 'none'}"
                         for p in self.platforms) or "none"

    def _rocm_platform(self, arch: str, rocm: str, same_arch: list[Platform]) -> tuple[Platform, str]:
        """The ROCm platform of the site's release (major.minor), else the newest older one of the same major (a
        ROCm X.Y driver runs the user-space libraries of older X releases [check: AMD's ROCm compatibility matrix,
        https://rocm.docs.amd.com/en/latest/compatibility/compatibility-matrix.html])."""
        from envkit.profile.cuda import version_tuple

        want = version_tuple(major_minor(rocm))
        same = sorted((p for p in same_arch if p.rocm and version_tuple(major_minor(p.rocm))[0] == want[0]),
                      key=lambda p: version_tuple(major_minor(p.rocm or "0")))
        exact = [p for p in same if version_tuple(major_minor(p.rocm or "0")) == want]
        if exact:
            return exact[0], f"ROCm {exact[0].rocm}: the site's own release; torch {' '.join(exact[0].python.torch)}"
        older = [p for p in same if version_tuple(major_minor(p.rocm or "0")) < want]
        if older:
            p = older[-1]
            return p, (f"ROCm {p.rocm} (newest torch ROCm build not newer than the site's {rocm}); "
                       f"torch {' '.join(p.python.torch)}")
        raise EnvkitError(f"base {self.name!r} has no image for {arch} with ROCm {rocm} (it offers: "
                          f"{self._offered()})")


def base_path(name: str) -> Path:
    """bases/<name>.yaml: the admin's own (see envkit.resources), else the shipped one."""
    paths = [d / f"{name}.yaml" for d in base_dirs()]
    return next((p for p in paths if p.is_file()), paths[-1])


def list_bases() -> list[str]:
    """Names of the bases in bases/."""
    return sorted({p.stem for d in base_dirs() for p in d.glob("*.yaml")})


def load_base(name: str, _chain: tuple[str, ...] = ()) -> Base:
    """Load a base; a clone inherits its parent's platforms, packages and sources."""
    path = base_path(name)
    if not path.is_file():
        raise EnvkitError(f"unknown base {name!r} (known bases: {', '.join(list_bases()) or 'none'})")
    base = validate_doc(Base, load_yaml_file(path))
    if base.name != name:
        raise EnvkitError(f"name {base.name!r} must match the file name {name!r}", file=str(path), key="name")
    if base.parent is None:
        return base
    if base.parent in _chain or len(_chain) > 8:
        raise EnvkitError(f"parent forms a cycle ({' -> '.join((*_chain, name, base.parent))})",
                          file=str(path), key="parent")
    parent = load_base(base.parent, (*_chain, name))
    return base.model_copy(update={
        "python_packages": [*parent.python_packages, *base.python_packages],
        "horovod": base.horovod or parent.horovod,
        "sources": {**parent.sources, **base.sources},
        "platforms": base.platforms or parent.platforms,
        "extra": Extra(apt=[*parent.extra.apt, *base.extra.apt], pip=[*parent.extra.pip, *base.extra.pip]),
        "recipe": base.recipe,
    })

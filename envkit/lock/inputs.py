"""What a site's lock is resolved from: per layer, the requirements, the target platform and the OS packages.

The inputs are the facts that decide which packages a layer installs (never the whole profile: a bind or
an environment variable does not change a package set). Their hash, stored in the lock, says when the lock
is stale: a changed base, workload package list, platform or OS package list changes it.

Example:
    >>> from envkit.profile import load_profile
    >>> [i.layer for i in site_inputs(load_profile("local"))]
    ['base', 'workload-aides', 'workload-aigw', 'workload-resnet50']
    >>> site_inputs(load_profile("local"))[0].python_platform
    'x86_64-manylinux_2_36'
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field

from envkit.profile.model import Profile
from envkit.resources import shipped

# Build tools the recipes run with --no-build-isolation (mpi4py, Horovod, envkit itself): locked like the rest,
# so no build step fetches an unpinned package. pip itself is locked so the venv's pip is a known one.
BUILD_TOOLS = ("pip", "setuptools", "wheel", "cython")
# glibc of each starting image's OS: the newest manylinux tag its wheels may carry (PEP 600).
GLIBC_TAG = {"bookworm": "2_36", "debian:12": "2_36", "ubuntu18.04": "2_17", "ubuntu20.04": "2_31",
             "ubuntu22.04": "2_35", "ubuntu24.04": "2_39"}
PYTHON_OF_OS = {"bookworm": "3.11", "debian:12": "3.11"}   # the OS python3 a `venv` platform uses
INDEX_URL = "https://pypi.org/simple"


@dataclass(frozen=True)
class LayerInputs:
    """What one layer's lock is resolved from.

    resolvable is False (with `why`) when this machine cannot resolve it (a conda-installed torch, an arch
    the resolver has no wheels tags for); such a layer's lock says so and its build is refused.
    """

    layer: str                       # base | workload-<name>
    requirements: tuple[str, ...]
    python_version: str
    python_platform: str
    image: str
    apt: tuple[str, ...] = ()
    conda: tuple[str, ...] = ()
    local: tuple[str, ...] = ()      # installed from the image's own source tree (envkit), not the index
    resolvable: bool = True
    why: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    def digest(self) -> str:
        """sha256 of the inputs (16 hex chars): the lock is stale when this changes."""
        data = json.dumps(asdict(self), sort_keys=True)
        return hashlib.sha256(data.encode()).hexdigest()[:16]


def _os_key(image: str) -> str:
    for key in GLIBC_TAG:
        if key in image:
            return key
    return ""


def python_platform(arch: str, image: str) -> str | None:
    """uv's --python-platform for an arch and starting image; None where uv has no tags (ppc64le)."""
    if arch not in ("x86_64", "aarch64"):
        return None
    return f"{arch}-manylinux_{GLIBC_TAG.get(_os_key(image), '2_17')}"


def envkit_requirements() -> tuple[str, ...]:
    """envkit's own runtime dependencies and build backend (pyproject.toml), for the workload layers."""
    from envkit.lock.tomlread import load_toml

    data = load_toml((shipped() / "pyproject.toml").read_text())
    return (*data["project"]["dependencies"], *data["build-system"]["requires"])


def site_inputs(profile: Profile) -> list[LayerInputs]:
    """The lock inputs of every layer that installs packages: base, then each bundled workload."""
    from envkit.recipe.bases import load_base
    from envkit.recipe.packages import os_packages
    from envkit.recipe.workload_spec import list_workloads, load_workload_spec

    base = load_base(profile.base)
    platform = base.platform_for(profile.cpu.arch, profile.cuda.toolkit if profile.cuda else None,
                              rocm=profile.rocm.version if profile.rocm else None)
    stack = platform.python
    version = stack.version or PYTHON_OF_OS.get(_os_key(platform.image), "")
    tag = python_platform(profile.cpu.arch, platform.image)
    why = ""
    if stack.index_url:
        why = (f"torch comes from {stack.index_url} (its ROCm builds are not on PyPI), which the lock (PyPI only) "
               "does not resolve: the recipe installs it unpinned")
    elif stack.torch_from == "conda":
        why = (f"torch comes from conda channel {stack.channel} for {profile.cpu.arch}, which this machine cannot "
               "reach; lock it where conda-forge is reachable (conda-lock) and commit the result")
    elif tag is None:
        why = f"the resolver (uv) has no wheel tags for {profile.cpu.arch}"
    elif not version:
        why = f"unknown Python version for image {platform.image}"
    reqs = [] if stack.torch_from == "conda" else list(stack.torch)
    reqs += [*base.python_packages, *base.extra.pip, "mpi4py", *BUILD_TOOLS]
    if base.horovod:
        reqs.append(f"horovod=={base.horovod.version}")
    if profile.mpi.install == "wheel":   # the image's MPI itself, from PyPI (envkit.profile.mpi.image_mpi)
        from envkit.profile.mpi import image_mpi

        reqs.append("==".join(image_mpi(profile)))
    common = {"python_version": version, "python_platform": tag or profile.cpu.arch, "image": platform.image,
              "resolvable": not why, "why": why}
    conda = tuple(stack.torch) if stack.torch_from == "conda" else ()
    out = [LayerInputs(layer="base", requirements=tuple(reqs), apt=tuple(os_packages(profile, base, platform)),
                       conda=conda, extra={"installer": stack.installer}, **common)]  # type: ignore[arg-type]
    for name in list_workloads():
        spec = load_workload_spec(name)
        out.append(LayerInputs(layer=f"workload-{name}",
                               requirements=(*spec.dependencies.pip, *envkit_requirements()),
                               apt=tuple(spec.dependencies.apt), local=("envkit",), **common))  # type: ignore[arg-type]
    return out

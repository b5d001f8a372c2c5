"""The base layer's OS packages: one home, read by the recipe and by the lock (which must not import recipes).
"""

from __future__ import annotations

from envkit.profile.model import Profile
from envkit.recipe.bases import Base, Platform


def os_packages(profile: Profile, base: Base, platform: Platform) -> list[str]:
    """The OS packages a site's base layer installs, sorted (its lock pins each; its script installs them).

    Example:
        >>> from envkit.profile import load_profile
        >>> from envkit.recipe.bases import load_base
        >>> p = load_profile("local"); b = load_base(p.base)
        >>> "openmpi-bin" in os_packages(p, b, b.platform_for(p.cpu.arch, None))
        True
    """
    pkgs = ["build-essential", "ca-certificates", "cmake", "curl", "git", "pkg-config", "bzip2", "procps"]
    if platform.python.installer == "venv":
        pkgs += ["python3", "python3-dev", "python3-venv"]
    if profile.mpi.install == "distro":
        from envkit.profile.mpi import distro_packages  # hook: the vendor's own package, never another MPI

        pkgs += distro_packages(profile.mpi.vendor)
    if profile.interconnect.transport in ("ucx", "verbs"):
        pkgs += ["libibverbs-dev", "librdmacm-dev"]
    if profile.interconnect.transport == "ucx":
        pkgs += ["libucx-dev"]
    if profile.interconnect.transport == "psm2":
        pkgs += ["libpsm2-dev"]
    if profile.interconnect.transport == "ofi":
        pkgs += ["libfabric-dev"]
    pkgs += list(base.extra.apt)
    return sorted(set(pkgs))

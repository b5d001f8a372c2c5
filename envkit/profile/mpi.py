"""MPI families, which launcher speaks to which, and the profile checks that follow from them.

Two families matter for containers: Open MPI (Open MPI, IBM Spectrum MPI) and the MPICH ABI family
(MPICH, Cray MPICH, Intel MPI, MVAPICH2: all ship ``libmpi.so.12``). Inside one family the host's MPI can be
bound over the image's at run time (the hybrid model Cray sites document, e.g. ARCHER2's containers notes
and LUMI's MPI containers, arXiv:2407.19928); across families it cannot, so envkit refuses instead of
translating.

Example:
    >>> family("cray-mpich"), family("spectrum")
    ('mpich', 'openmpi')
    >>> distro_packages("mpich")
    ['libmpich-dev', 'mpich']
    >>> launcher_speaks("mpirun", "mpich")
    False
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from envkit.profile.model import Profile

Family = Literal["openmpi", "mpich"]

# vendor -> family (ABI): Open MPI's libmpi.so.40 or the MPICH ABI's libmpi.so.12.
FAMILY: dict[str, Family] = {
    "openmpi": "openmpi", "spectrum": "openmpi",
    "mpich": "mpich", "cray-mpich": "mpich", "intel": "mpich", "mvapich2": "mpich",
}

# vendor -> Debian/Ubuntu packages that install it (`mpi.install: distro`); absent: no distro package.
DISTRO_PACKAGES: dict[str, list[str]] = {
    "openmpi": ["libopenmpi-dev", "openmpi-bin"],
    "mpich": ["libmpich-dev", "mpich"],
}

# launcher -> the MPI families it can start (None: any, the launcher talks PMI or forks ranks itself).
SPEAKS: dict[str, tuple[Family, ...] | None] = {
    "srun": None,               # PMIx / PMI2 from Slurm
    "jsrun": ("openmpi",),      # IBM Job Step Manager: Spectrum MPI (Open MPI based)
    "mpirun": ("openmpi",),     # Open MPI's mpirun (-x VAR=val, --map-by ppr:K:node)
    "mpiexec": ("mpich",),      # MPICH Hydra (-n, -ppn, -genv): MPICH, Intel MPI, MVAPICH2
    "mpiexec-pals": ("mpich",),  # HPE Cray PALS (-n, --ppn, --env): Cray MPICH
    "torchrun": None,           # forks its own ranks, no MPI needed to start them
}

# launcher -> the scheduler it needs (None: any).
NEEDS_SCHEDULER: dict[str, str | None] = {
    "srun": "slurm", "jsrun": "lsf", "mpiexec-pals": "pbs", "mpirun": None, "mpiexec": None, "torchrun": None,
}

ROCM_UNSUPPORTED = ("AMD/ROCm GPUs are not supported yet (torch ROCm wheels are not on PyPI and envkit's bases "
                    "carry CUDA only); use vendor: nvidia or vendor: none")


def family(vendor: str) -> Family:
    """The MPI family (ABI) of a vendor."""
    return FAMILY[vendor]


def distro_packages(vendor: str) -> list[str]:
    """The OS packages that install `vendor` for `mpi.install: distro` (empty when there are none)."""
    return sorted(DISTRO_PACKAGES.get(vendor, []))


def launcher_speaks(launcher: str, vendor_family: str) -> bool:
    """Can `launcher` start ranks of an MPI of this family?"""
    speaks = SPEAKS.get(launcher)
    return speaks is None or vendor_family in speaks


def check_profile(profile: Profile) -> list[tuple[str, tuple[str, ...]]]:
    """Contradictions between GPU, MPI, launcher and scheduler: (message, key path) pairs, empty when coherent."""
    problems: list[tuple[str, tuple[str, ...]]] = []
    gpu, mpi, launcher, sched = profile.gpu, profile.mpi, profile.launcher, profile.scheduler
    if gpu.vendor == "amd":
        problems.append((ROCM_UNSUPPORTED, ("gpu", "vendor")))
    if gpu.vendor == "none" and gpu.model:
        problems.append((f"gpu.vendor is 'none' but gpu.model is {gpu.model!r} (set the vendor, or remove the "
                         "model for a CPU-only site)", ("gpu", "model")))
    fam = family(mpi.vendor)
    if mpi.install == "distro" and mpi.vendor not in DISTRO_PACKAGES:
        what = "MVAPICH2 is not built from source by envkit yet and has no Debian package" \
            if mpi.vendor == "mvapich2" else f"{mpi.vendor} has no Debian package"
        problems.append((f"install: distro cannot give the image {mpi.vendor} ({what}); envkit will not put "
                         "another MPI in its place: use install: host (the site's tree copied in and bound over "
                         f"at run time){' or install: source' if mpi.vendor in ('openmpi', 'mpich') else ''}",
                         ("mpi", "install")))
    if not launcher_speaks(launcher.kind, fam):
        speaks = ", ".join(k for k, v in SPEAKS.items() if v is None or fam in v)
        problems.append((f"launcher.kind {launcher.kind} cannot start {mpi.vendor} ranks (mpi.vendor is in the "
                         f"{fam} family; launchers for it: {speaks})", ("launcher", "kind")))
    needs = NEEDS_SCHEDULER.get(launcher.kind)
    if needs and sched.kind != needs:
        problems.append((f"launcher.kind {launcher.kind} needs scheduler.kind: {needs} "
                         f"(scheduler.kind is {sched.kind})", ("launcher", "kind")))
    return problems

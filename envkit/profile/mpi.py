"""MPI families, and the profile checks across GPU, MPI, launcher, scheduler and engine.

Which families and scheduler each launcher needs is in the launcher's own module (envkit.launchers.*:
`speaks`, `needs_scheduler`), which launcher an engine needs in the engine's (`needs_launcher`); the checks
here ask the registry (envkit.registry).

Two families matter for containers: Open MPI (Open MPI, IBM Spectrum MPI) and the MPICH ABI family
(MPICH, Cray MPICH, Intel MPI, MVAPICH2: all ship ``libmpi.so.12``). Inside one family the host's MPI can be
put in place of the image's at run time (the bind model Cray sites document: ALCF's Polaris container guide,
OLCF's Containers on Frontier, LUMI's MPI containers, arXiv:2407.19928) when a profile says `model: bind` with
its library_path; across families it cannot, so envkit refuses instead of translating.

Example:
    >>> family("cray-mpich"), family("spectrum")
    ('mpich', 'openmpi')
    >>> distro_packages("mpich")
    ['libmpich-dev', 'mpich']
    >>> launcher_speaks("mpirun", "mpich")
    False
    >>> host_version_command("cray-mpich")[0]
    'module list cray-mpich'
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from envkit.registry import ENGINES, LAUNCHERS

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

# The ABI rules, in one place. Each family's library soname: the MPICH ABI Compatibility Initiative's
# libmpi.so.12 (MPICH >= 3.1, Intel MPI >= 5.0, Cray MPT >= 7.0, MVAPICH2 >= 2.0: https://www.mpich.org/abi/)
# and Open MPI's libmpi.so.40 (Open MPI 3.0 to 5.x: https://docs.open-mpi.org/en/v5.0.x/version-numbering.html).
SONAME: dict[Family, str] = {"mpich": "libmpi.so.12", "openmpi": "libmpi.so.40"}
ABI_FLOOR: dict[Family, str] = {"mpich": "3.1", "openmpi": "3.0"}
# The open MPI envkit builds into an image of each family when the host's own cannot be built (the bind model).
IMAGE_VENDOR: dict[Family, str] = {"mpich": "mpich", "openmpi": "openmpi"}
VERSION_RULE = ("the image's MPI must not be newer than the MPICH release the host's library is based on "
                "(OLCF, Containers on Frontier: 'MPICH 3.4.2 is ABI compatible with the cray-mpich-abi module even "
                "though cray-mpich is based on MPICH 3.4a2', https://docs.olcf.ornl.gov/software/"
                "containers_on_frontier.html; compared by major.minor)")

# vendor -> (the command that names the host's MPI and its version, where that is documented). Each family has
# its own: Cray MPICH ships no mpirun, and MPICH's `mpirun --version` prints Hydra's build, not the library.
HOST_VERSION_COMMAND: dict[str, tuple[str, str]] = {
    "openmpi": ("mpirun --version",
                "[read: Open MPI mpirun(1) --version, https://docs.open-mpi.org/en/v5.0.x/man-openmpi/man1/mpirun.1.html]"),
    "spectrum": ("mpirun --version", "[check] IBM Spectrum MPI's mpirun is Open MPI's (mpirun(1) --version, "
                 "https://docs.open-mpi.org/en/v5.0.x/man-openmpi/man1/mpirun.1.html)"),
    "mpich": ("mpichversion", "[read: mpichversion(1) 'Report on the MPICH version', "
              "https://manpages.ubuntu.com/manpages/noble/en/man1/mpichversion.1.html]"),
    "mvapich2": ("mpiname -a", "[check] mpiname, installed by MVAPICH2, prints its version and build "
                 "(MVAPICH2 User Guide, https://mvapich.cse.ohio-state.edu/userguide/)"),
    "intel": ("mpirun -V", "[check] Intel MPI Library Developer Reference, Global Hydra Options "
              "(https://www.intel.com/content/www/us/en/docs/mpi-library/developer-reference-linux/2021-14/"
              "global-hydra-options.html)"),
    "cray-mpich": ("module list cray-mpich", "[read: HPE Cray MPICH intro_mpi: the MPI is the loaded cray-mpich "
                   "module, https://cpe.ext.hpe.com/docs/latest/mpt/mpich/intro_mpi.html]"),
}

INTEL_GPU_UNSUPPORTED = ("Intel GPUs are not supported: envkit's bases carry no oneAPI Level Zero runtime, no "
                         "intel-extension-for-pytorch or torch XPU build and no oneCCL, and Apptainer needs the "
                         "host's /dev/dri bound; use vendor: none for the CPUs")


def family(vendor: str) -> Family:
    """The MPI family (ABI) of a vendor."""
    return FAMILY[vendor]


def distro_packages(vendor: str) -> list[str]:
    """The OS packages that install `vendor` for `mpi.install: distro` (empty when there are none)."""
    return sorted(DISTRO_PACKAGES.get(vendor, []))


def host_version_command(vendor: str) -> tuple[str, str]:
    """The shell command that shows the host's MPI of this vendor and its version, and where that is documented."""
    return HOST_VERSION_COMMAND[vendor]


def launcher_speaks(launcher: str, vendor_family: str) -> bool:
    """Can `launcher` start ranks of an MPI of this family? (Each launcher's module says: `speaks`.)"""
    speaks = LAUNCHERS.get(launcher).speaks
    return speaks is None or vendor_family in speaks


def check_profile(profile: Profile) -> list[tuple[str, tuple[str, ...]]]:
    """Contradictions between GPU, MPI, launcher and scheduler: (message, key path) pairs, empty when coherent."""
    problems: list[tuple[str, tuple[str, ...]]] = []
    gpu, mpi, launcher, sched = profile.gpu, profile.mpi, profile.launcher, profile.scheduler
    if gpu.vendor == "intel":
        problems.append((INTEL_GPU_UNSUPPORTED, ("gpu", "vendor")))
    if mpi.model == "bind":
        problem = abi_problem(mpi.vendor, mpi.abi_version or mpi.version, image_mpi(profile)[0], image_mpi(profile)[1])
        if problem:
            problems.append((problem, ("mpi", "image_version" if mpi.image_version else "version")))
    net = profile.interconnect
    if net.fabric == "slingshot" and gpu.vendor == "nvidia" and net.nccl_plugin is None:
        problems.append(("a Slingshot site with NVIDIA GPUs needs interconnect.nccl_plugin (aws-ofi-nccl: without "
                         "it NCCL falls back to TCP sockets)", ("interconnect", "nccl_plugin")))
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
        speaks = ", ".join(k for k in LAUNCHERS.names() if launcher_speaks(k, fam))
        problems.append((f"launcher.kind {launcher.kind} cannot start {mpi.vendor} ranks (mpi.vendor is in the "
                         f"{fam} family; launchers for it: {speaks})", ("launcher", "kind")))
    needs = LAUNCHERS.get(launcher.kind).needs_scheduler
    if needs and sched.kind != needs:
        problems.append((f"launcher.kind {launcher.kind} needs scheduler.kind: {needs} "
                         f"(scheduler.kind is {sched.kind})", ("launcher", "kind")))
    engine = ENGINES.get(profile.container.engine)
    if engine.needs_launcher and launcher.kind != engine.needs_launcher:
        problems.append((f"container.engine {engine.name} runs ranks through {engine.needs_launcher}'s own "
                         f"options, so launcher.kind must be {engine.needs_launcher} (it is {launcher.kind})",
                         ("container", "engine")))
    if profile.container.nvccli and "nvccli" not in " ".join(engine().gpu_flags("nvccli")):
        problems.append((f"container.nvccli is an Apptainer/SingularityCE option; {engine.name} sets GPUs up its "
                         "own way (remove nvccli)", ("container", "nvccli")))
    return problems


def image_mpi(profile: Profile) -> tuple[str, str]:
    """(vendor, version) of the MPI built into the image: the profile's own, or with the bind model and an
    image_version, the family's open MPI at that version.

    >>> from envkit.profile import load_profile
    >>> image_mpi(load_profile("polaris"))
    ('mpich', '3.4.3')
    """
    mpi = profile.mpi
    if mpi.image_version:
        return IMAGE_VENDOR[family(mpi.vendor)], mpi.image_version
    return mpi.vendor, mpi.version


def abi_problem(host_vendor: str, host_version: str, image_vendor: str, image_version: str) -> str | None:
    """Why an image MPI cannot be replaced by the host's at run time, or None when it can (one home for the rules).

    >>> abi_problem("cray-mpich", "3.4", "mpich", "3.4.3") is None
    True
    >>> print(abi_problem("cray-mpich", "3.4", "mpich", "4.1.2").split(" (")[0])
    image mpich 4.1.2 is newer than the host cray-mpich's MPICH base 3.4
    >>> print(abi_problem("cray-mpich", "3.4", "openmpi", "4.1.5").split(";")[0])
    host cray-mpich (libmpi.so.12) and image openmpi (libmpi.so.40) are different ABIs
    """
    from envkit.profile.cuda import major_minor, version_tuple

    host_family, image_family = family(host_vendor), family(image_vendor)
    if host_family != image_family:
        return (f"host {host_vendor} ({SONAME[host_family]}) and image {image_vendor} ({SONAME[image_family]}) are "
                "different ABIs; envkit does not translate between them (use an image MPI of the host's family)")
    floor = ABI_FLOOR[image_family]
    if version_tuple(image_version) < version_tuple(floor):
        return f"image {image_vendor} {image_version} predates the {SONAME[image_family]} ABI (>= {floor})"
    if host_family == "mpich" and version_tuple(major_minor(image_version)) > version_tuple(major_minor(host_version)):
        return (f"image {image_vendor} {image_version} is newer than the host {host_vendor}'s MPICH base "
                f"{host_version} ({VERSION_RULE})")
    return None

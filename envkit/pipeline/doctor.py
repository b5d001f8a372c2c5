"""`envkit doctor`: will this site's image run on this host? Host facts against image facts.

Each check gives ok, warn or fail with the fix. The host's facts are one dataclass,
so tests (and admins) can feed a host that is not this machine.

Example:
    >>> host = HostFacts(arch="ppc64le", nvidia_driver=None, gpus=0, mpi="mpirun (Open MPI) 4.1.4",
    ...                  engine="charliecloud", engine_version="0.31")
    >>> [f.status for f in check_arch(host, {"arch": "x86_64"})]
    ['fail']
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from envkit.profile.cuda import driver_ok, major_minor, version_tuple
from envkit.profile.model import SPECTRUM_MIN, Profile
from envkit.profile.mpi import family, host_version_command
from envkit.store.image_manifest import mpi_vendor, mpi_version

Status = Literal["ok", "warn", "fail"]
ARCH_ALIASES = {"amd64": "x86_64", "x64": "x86_64", "arm64": "aarch64", "ppc64el": "ppc64le"}


@dataclass(frozen=True)
class HostFacts:
    """What doctor needs to know about the host (gather_host reads them from this machine)."""

    arch: str
    nvidia_driver: str | None
    gpus: int
    mpi: str | None                 # first line of the host's MPI version command, None without one
    engine: str
    engine_version: str | None      # None: the engine is not installed
    path_exists: Callable[[str], bool] = field(default=os.path.exists, compare=False)


@dataclass(frozen=True)
class Finding:
    """One check's outcome: ok, warn or fail, with the fix when there is one.

    >>> Finding("arch", "fail", "image is x86_64, this host is ppc64le", "build on the site").status
    'fail'
    """

    check: str
    status: Status
    message: str
    fix: str = ""


def _first_line(argv: list[str]) -> str | None:
    if shutil.which(argv[0]) is None:
        return None
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    lines = [ln for ln in (proc.stdout or proc.stderr).splitlines() if ln.strip()]
    return lines[0].strip() if lines else None


def host_mpi_line(vendor: str) -> str | None:
    """The first line the host's MPI of this vendor prints about itself (its documented version command, run
    by a login shell so that `module` works), None when there is none."""
    command, _source = host_version_command(vendor)
    if shutil.which("bash") is None:
        return None
    line = _first_line(["bash", "-lc", f"{command} 2>&1"])
    if line is None or "command not found" in line or "no such file" in line.lower() \
            or (vendor == "cray-mpich" and "cray-mpich" not in line):
        return None
    return line


def gather_host(engine: Any, mpi_vendor_name: str = "openmpi") -> HostFacts:
    """This machine's facts: arch, NVIDIA driver and GPUs, its MPI (asked the way `mpi_vendor_name` documents),
    the engine and its version."""
    smi = None
    gpus = 0
    if shutil.which("nvidia-smi"):
        try:
            out = subprocess.run(["nvidia-smi", "--query-gpu=driver_version", "--format=csv,noheader"],
                                 capture_output=True, text=True, timeout=60).stdout.split()
            smi, gpus = (out[0] if out else None), len(out)
        except (OSError, subprocess.TimeoutExpired):
            pass
    return HostFacts(arch=platform.machine(), nvidia_driver=smi, gpus=gpus, mpi=host_mpi_line(mpi_vendor_name),
                     engine=engine.name, engine_version=engine.version())


def _arch(name: str | None) -> str:
    return ARCH_ALIASES.get(name or "", name or "unknown")


def check_engine(host: HostFacts, install_hint: str) -> list[Finding]:
    if host.engine_version is None:
        return [Finding("engine", "fail", f"{host.engine} is not installed", install_hint)]
    return [Finding("engine", "ok", f"{host.engine} {host.engine_version}")]


def check_arch(host: HostFacts, image: dict[str, Any]) -> list[Finding]:
    want, have = _arch(image.get("arch")), _arch(host.arch)
    if want != have:
        return [Finding("arch", "fail", f"image is {want}, this host is {have}",
                        f"build the image on (or for) a {have} machine: set cpu.arch: {have} in the profile")]
    return [Finding("arch", "ok", f"{have} on both")]


def check_gpu_driver(profile: Profile, host: HostFacts, image: dict[str, Any]) -> list[Finding]:
    cuda = (image.get("torch") or {}).get("cuda") or (profile.cuda.toolkit if profile.cuda else None)
    if profile.gpu.vendor == "none":
        extra = f" (its CUDA {cuda} build of torch runs on the CPU)" if cuda else ""
        return [Finding("gpu-driver", "ok", f"CPU site, no GPU driver needed{extra}")]
    if not cuda:
        if profile.gpu.vendor == "nvidia":
            return [Finding("gpu-driver", "warn", "the image has no CUDA on an NVIDIA site",
                            "use a base platform with CUDA for this site (profile cuda.toolkit)")]
        return [Finding("gpu-driver", "ok", "CPU-only image, no GPU driver needed")]
    if host.nvidia_driver is None:
        return [Finding("gpu-driver", "warn", f"image needs CUDA {cuda}, no NVIDIA driver on this host",
                        "run doctor on a GPU compute node (login nodes often have no GPU)")]
    verdict = driver_ok(cuda, host.nvidia_driver)
    if verdict == "ok":
        return [Finding("gpu-driver", "ok", f"driver {host.nvidia_driver} runs CUDA {cuda}")]
    if verdict == "minor-compat":
        return [Finding("gpu-driver", "warn", f"driver {host.nvidia_driver} runs CUDA {cuda} only through minor-"
                        "version compatibility (PTX JIT and some features missing)",
                        "ask for a newer driver or use a base with an older CUDA")]
    if verdict == "too-old":
        return [Finding("gpu-driver", "fail", f"driver {host.nvidia_driver} is too old for CUDA {cuda}",
                        "ask the site for a newer driver, or set cuda.toolkit to a release this driver runs")]
    return [Finding("gpu-driver", "warn", f"CUDA {cuda} is not in envkit's driver table",
                    "check NVIDIA's CUDA release notes for the driver it needs")]


def check_mpi(profile: Profile, host: HostFacts, image: dict[str, Any]) -> list[Finding]:
    image_mpi = image.get("mpi") or {}
    image_line = image_mpi.get("library") or image_mpi.get("mpirun") or ""   # the library names every family
    img_vendor, img_version = mpi_vendor(image_line), mpi_version(image_line)
    model = profile.mpi.model
    if host.mpi is None:
        asked = host_version_command(profile.mpi.vendor)[0]
        if model == "bind":
            return [Finding("mpi", "fail", f"bind model: the image has no MPI and this host has none (`{asked}` "
                            "answered nothing)", "load the site's MPI module (module load ...) before running")]
        return [Finding("mpi", "warn", f"no {profile.mpi.vendor} MPI on this host (`{asked}` answered nothing); "
                        "hybrid launches need the host's MPI (one node can use the image's)",
                        "load the site's MPI module for multi-node runs")]
    host_vendor, host_version = mpi_vendor(host.mpi), mpi_version(host.mpi)
    if model == "bind":
        return check_bind(profile, host, host_vendor, host_version, img_vendor, img_version)
    if host_vendor == "spectrum":
        if img_vendor != "spectrum" or version_tuple(img_version or "0") < version_tuple(SPECTRUM_MIN):
            return [Finding("mpi", "fail", f"host Spectrum MPI {host_version} needs Spectrum MPI >= {SPECTRUM_MIN} "
                            f"in the image, which has {img_vendor} {img_version}",
                            "bind the host's Spectrum MPI over the image's (mpi.install: host)")]
        return [Finding("mpi", "ok", f"Spectrum MPI {host_version} on the host, {img_version} in the image")]
    if host_vendor and img_vendor and family(host_vendor) == family(img_vendor) == "mpich":
        # The MPICH ABI (libmpi.so.12) is shared by MPICH >= 3.1, Cray MPICH, Intel MPI and MVAPICH2
        # (https://www.mpich.org/abi/). The hybrid model binds nothing: the image's own library runs the ranks.
        return [Finding("mpi", "ok", f"host {host_vendor} {host_version} and image {img_vendor} {img_version} "
                        "share the MPICH ABI; the image's library runs the ranks (hybrid model: nothing of the "
                        "host's MPI is bound)")]
    if img_vendor != host_vendor or not img_version or not host_version \
            or major_minor(img_version) != major_minor(host_version):
        return [Finding("mpi", "fail", f"hybrid model needs compatible MPIs: host {host_vendor} {host_version}, "
                        f"image {img_vendor} {img_version}",
                        f"set mpi.vendor/mpi.version to {host_vendor} {host_version} in the profile and rebuild")]
    return [Finding("mpi", "ok", f"{host_vendor} {host_version} on the host, {img_version} in the image")]


def check_bind(profile: Profile, host: HostFacts, host_vendor: str | None, host_version: str | None,
               img_vendor: str | None, img_version: str | None) -> list[Finding]:
    """The bind model, from what this host can show: the host MPI's family and version against the image's
    (envkit.profile.mpi.abi_problem, one home for the rules) and the library folders the run puts first on the
    container's library path (each must exist and one must hold the family's libmpi soname)."""
    from envkit.profile.mpi import SONAME, abi_problem

    mpi = profile.mpi
    want = SONAME[family(mpi.vendor)]
    if host_vendor and family(host_vendor) != family(mpi.vendor):
        return [Finding("mpi", "fail", f"bind model: this host's MPI is {host_vendor} {host_version} "
                        f"({SONAME[family(host_vendor)]}), the profile binds {mpi.vendor} ({want})",
                        f"load the site's {mpi.host_module or mpi.vendor} module, or fix mpi.vendor in the profile")]
    if img_vendor and img_version and host_vendor and host_version:
        problem = abi_problem(host_vendor, mpi.abi_version or host_version, img_vendor, img_version)
        if problem:
            return [Finding("mpi", "fail", f"bind model: {problem}",
                            "rebuild the image with an older mpi.image_version")]
    missing = [d for d in mpi.library_path if not host.path_exists(d)]
    if missing:
        return [Finding("mpi", "fail", f"bind model: library_path folder(s) missing on this host: "
                        f"{', '.join(missing)}", f"load {mpi.host_module or 'the MPI module'} and set "
                        "mpi.library_path to its folders (module show)")]
    if not any(host.path_exists(f"{d}/{want}") for d in mpi.library_path):
        return [Finding("mpi", "fail", f"bind model: no {want} in {', '.join(mpi.library_path)}",
                        "set mpi.library_path to the folder holding the host's ABI library")]
    return [Finding("mpi", "ok", f"bind model: host {host_vendor} {host_version} ({want} in "
                    f"{mpi.library_path[0]}) goes first on the container's library path at run time, over image "
                    f"{img_vendor} {img_version}")]


def check_gpus_visible(profile: Profile, host: HostFacts, count_in_image: Callable[[], int] | None) -> list[Finding]:
    if profile.gpu.vendor != "nvidia":
        return [Finding("gpus", "ok", "not a GPU site")]
    if host.gpus == 0 or count_in_image is None:
        return [Finding("gpus", "warn", "no GPU on this host to pass through --nv", "run on a GPU compute node")]
    seen = count_in_image()
    if seen < host.gpus:
        return [Finding("gpus", "fail", f"{seen} of {host.gpus} GPUs visible inside the image with --nv",
                        "check the engine's --nv support and the node's CUDA_VISIBLE_DEVICES")]
    return [Finding("gpus", "ok", f"{seen} GPUs visible inside the image with --nv")]


def check_binds(profile: Profile, host: HostFacts) -> list[Finding]:
    binds = profile.binds
    if not binds:
        return [Finding("binds", "ok", "no bind paths in the profile")]
    missing = [b for b in binds if not host.path_exists(b.split(":", 1)[0])]
    if missing:
        return [Finding("binds", "fail", f"bind source(s) missing on this host: {', '.join(missing)}",
                        "create them or remove them from container.binds / mpi.bind_paths")]
    return [Finding("binds", "ok", f"{len(binds)} bind path(s) exist: {', '.join(binds)}")]


def run_checks(profile: Profile, host: HostFacts, image: dict[str, Any] | None, install_hint: str,
               count_in_image: Callable[[], int] | None = None) -> list[Finding]:
    """Every check, in order; `image` is the manifest (None: no image found)."""
    findings = check_engine(host, install_hint)
    if image is None:
        findings.append(Finding("image", "fail", "no image built for this site",
                                f"envkit build --site {profile.name}"))
        image = {}
    else:
        findings.append(Finding("image", "ok", f"{image.get('image') or image.get('tag')}"))
        findings += check_arch(host, image)
        findings += check_gpu_driver(profile, host, image)
        findings += check_mpi(profile, host, image)
        findings += check_gpus_visible(profile, host, count_in_image)
    findings += check_binds(profile, host)
    return findings


def as_dict(findings: list[Finding], host: HostFacts) -> dict[str, Any]:
    """JSON form: the host facts, every finding and the verdict."""
    facts = {k: v for k, v in asdict(host).items() if k != "path_exists"}
    return {"ok": not any(f.status == "fail" for f in findings), "host": facts,
            "findings": [asdict(f) for f in findings]}

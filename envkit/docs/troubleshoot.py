"""Troubleshooting: a driver too old for the image's CUDA, an MPI mismatch, the wrong arch, the fabric.

Example:
    >>> from envkit.profile import load_profile
    >>> from envkit.docs.context import doc_context
    >>> [p.title for p in troubleshooting(doc_context(load_profile("summit"))).problems][:3]
    ["Driver too old for the image's CUDA", 'MPI mismatch between host and image', 'Wrong CPU architecture']
"""

from __future__ import annotations

import shlex

from envkit.docs.context import MPI_NAMES, TRANSPORT_NAMES, DocContext
from envkit.docs.model import DocCommand, DocSection, Problem
from envkit.docs.system import CUDA_NOTES, driver_status
from envkit.engines.base import GpuKind
from envkit.paths import manifest_file
from envkit.profile.cuda import MINOR_COMPAT_FLOOR, major_minor, min_driver
from envkit.profile.model import SPECTRUM_MIN
from envkit.profile.mpi import host_version_command
from envkit.recipe.layers import mpi_prefix

APPTAINER_GPU = "https://apptainer.org/docs/user/latest/gpu.html"


def _in_image(ctx: DocContext, command: list[str], gpu: GpuKind = False) -> str:
    image = ctx.site_image
    return shlex.join(ctx.engine.exec_argv(image, command, gpu=gpu))


def driver(ctx: DocContext) -> Problem:
    """The host driver cannot run the image's CUDA (or the image is used without --nv)."""
    p = ctx.profile
    if p.rocm is not None:
        return Problem(
            "No AMD GPU in the container, or the ROCm driver does not run the image's ROCm",
            "torch.cuda.is_available() is False, `hipErrorNoDevice`, or `No HIP GPUs are available`.",
            f"The image's torch is a ROCm {p.rocm.version} build; the container sees the GCDs only when started "
            "with --rocm (Apptainer binds /dev/kfd, /dev/dri and the host's ROCm libraries) and inside a job step "
            "that was given GPUs (srun --gpus-per-task or --gpus-per-node).",
            "Keep --rocm on the exec line, run inside the job's srun, and load the ROCm module the centre names "
            "(module load rocm) before it.",
            f"{ctx.src('rocm')}; {APPTAINER_GPU}",
            commands=(DocCommand("GPUs on a compute node", "rocm-smi", f"{ctx.src('rocm')} [check]"),
                      DocCommand("What the image sees", _in_image(ctx, ["python3", "-c",
                                 "import torch; print(torch.cuda.device_count(), torch.version.hip)"], gpu="amd"),
                                 ctx.src("container"))))
    if p.cuda is None:
        return Problem("Driver too old for the image's CUDA", "CUDA errors or no GPU found.",
                       "This site has no GPUs, so its image carries no CUDA.",
                       "Use a GPU site's image on a GPU site; here run the CPU image.", ctx.src("gpu"))
    toolkit = p.cuda.toolkit
    floor = MINOR_COMPAT_FLOOR.get(major_minor(toolkit).split(".")[0])
    need = f"driver >= {min_driver(toolkit)}" + (f" (or >= {floor} under minor-version compatibility)"
                                                   if floor else "")
    return Problem(
        "Driver too old for the image's CUDA",
        "`CUDA driver version is insufficient for CUDA runtime version`, `no CUDA-capable device is detected`, "
        "or torch.cuda.is_available() is False.",
        f"The image carries CUDA {toolkit}, which needs {need}. This site's driver {p.cuda.driver} is "
        f"{driver_status(toolkit, p.cuda.driver)}."
        " The same error appears when the container is started without --nv.",
        "Run on nodes whose driver is new enough, keep --nv on the exec line, or set cuda.toolkit in the profile "
        f"to a release the driver supports and rebuild (envkit build --site {p.name}).",
        f"{ctx.src('cuda')}; {CUDA_NOTES}",
        commands=(DocCommand("Driver on a compute node", "nvidia-smi --query-gpu=driver_version --format=csv,noheader",
                          CUDA_NOTES),
                  DocCommand("What the image sees", _in_image(ctx, ["nvidia-smi"], gpu=True), ctx.src("container"))),
    )


def mpi_mismatch(ctx: DocContext) -> Problem:
    """The image's MPI does not match the host's, or the bind mount is missing."""
    p = ctx.profile
    m = p.mpi
    host = f"{MPI_NAMES[m.vendor]} {m.version}"
    host_command, host_source = host_version_command(m.vendor)
    if m.model == "hybrid":
        need = (f"Hybrid model: the host launcher ({p.launcher.kind}) starts the ranks and the MPI inside the image "
                f"({host} at {mpi_prefix(p)}) must be the same vendor and version series as the host's and speak "
                f"its process-management interface ({m.pmi}).")
    else:
        need = ("Bind model: the image has no MPI; the host's MPI must be bind-mounted at "
                f"{', '.join(m.bind_paths)} and its libraries found on LD_LIBRARY_PATH, and the image's C library "
                "must be new enough for them.")
    if m.install == "host":
        need += (f" The image holds a copy of the host tree {m.root}; at run time the host's is bound over it "
                 f"(--bind {', '.join(m.bind_paths) or m.root}), so both must stay on the same release.")
    if m.vendor == "spectrum":
        need += f" A container's Spectrum MPI must be >= {SPECTRUM_MIN} (IBM)."
    return Problem(
        "MPI mismatch between host and image",
        "MPI_Init fails or hangs, PMIx or ORTE version errors, `undefined symbol` in libmpi, or every rank "
        "reports rank 0 of size 1.",
        need,
        f"Set mpi.version in the profile to the host's version and rebuild (envkit build --site {p.name}); "
        "keep the MPI bind paths on the exec line.",
        ctx.src("mpi"),
        commands=(DocCommand("Host MPI version (load the site's modules first)", host_command, f"{ctx.src('mpi')}; "
                             f"{host_source}"),
                  DocCommand("MPI the image was built with",
                          _in_image(ctx, ["cat", manifest_file("mpi-version.txt")]),
                          "rendered base layer (recipes/scripts/base.post.sh.j2)")),
    )


OTHER_ARCH = {"x86_64": "ppc64le or aarch64", "ppc64le": "x86_64", "aarch64": "x86_64"}


def wrong_arch(ctx: DocContext) -> Problem:
    """An image built for another CPU architecture."""
    p = ctx.profile
    image = ctx.site_image
    cmds = [DocCommand("Arch of a compute node", "uname -m", ctx.src("cpu"))]
    labels = ctx.engine.labels_argv(image)
    if labels is not None:
        cmds.append(DocCommand("Arch the image was built for (label org.envkit.arch)",
                            shlex.join(labels), "envkit/recipe/layers.py"))
    return Problem(
        "Wrong CPU architecture",
        "`exec format error` (or `cannot execute binary file`) as soon as the container starts.",
        f"The image was built for another CPU. {p.title} runs {p.cpu.arch}; its image must be a {p.cpu.arch} "
        f"image (label org.envkit.arch={p.cpu.arch}).",
        f"Build the image on a {p.cpu.arch} machine for this site (envkit build --site {p.name}); an image "
        f"built for {OTHER_ARCH[p.cpu.arch]} (a laptop, another site) will not run here.",
        ctx.src("cpu"),
        commands=tuple(cmds),
    )


FABRIC_SYMPTOMS = {
    "psm2": ("`PSM2 was unable to open an endpoint`, or multi-node runs fall back to TCP and are slow.",
             "Intel Omni-Path needs the image's MPI built with PSM2 (libpsm2, Open MPI --with-psm2) and "
             "/dev/hfi1 visible in the container.", ["ompi_info", "--parsable"]),
    "ucx": ("UCX errors at start-up, or multi-node runs fall back to TCP and are slow.",
            "InfiniBand is used through UCX: the image's MPI is built with UCX and the node's /dev/infiniband must "
            "be visible in the container.", ["ucx_info", "-d"]),
    "verbs": ("`no OpenFabrics devices found`, or runs fall back to TCP.",
              "The image's MPI needs verbs (libibverbs) and the node's /dev/infiniband.", ["ibv_devinfo"]),
    "ofi": ("libfabric provider errors, or runs fall back to TCP.",
            "The image's MPI talks to the fabric through libfabric (OFI); the provider must match the host's.",
            ["fi_info"]),
}


def fabric(ctx: DocContext) -> Problem | None:
    """Slow or failing multi-node communication on this site's fabric (None for TCP-only sites)."""
    p = ctx.profile
    entry = FABRIC_SYMPTOMS.get(p.interconnect.transport)
    if entry is None:
        return None
    symptom, cause, check = entry
    return Problem(
        f"Slow or failing multi-node runs ({TRANSPORT_NAMES[p.interconnect.transport]})", symptom, cause,
        f"Rebuild with the profile's interconnect section right (envkit build --site {p.name}); the site layer "
        "sets the MPI transport variables for you.",
        ctx.src("interconnect"),
        commands=(DocCommand("What the image's MPI can use", _in_image(ctx, check), ctx.src("interconnect")),),
    )


def troubleshooting(ctx: DocContext) -> DocSection:
    """All problems that apply to the site."""
    problems = [driver(ctx), mpi_mismatch(ctx), wrong_arch(ctx)]
    net = fabric(ctx)
    if net is not None:
        problems.append(net)
    return DocSection("troubleshooting", "Troubleshooting", problems=tuple(problems),
                   intro="Common failures a help desk sees with these images, and how to check them.")

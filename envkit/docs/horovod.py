"""How Horovod is built into the image, read from the rendered Horovod layer (built for runs with --dist horovod).

Example:
    >>> from envkit.profile import load_profile
    >>> from envkit.docs.context import doc_context
    >>> flags = horovod_flags(doc_context(load_profile("hal")))
    >>> "HOROVOD_GPU_OPERATIONS=NCCL" in flags
    True
"""

from __future__ import annotations

import shlex

from envkit.docs.context import MPI_NAMES, DocContext
from envkit.docs.model import DocCommand, DocSection, Fact
from envkit.paths import manifest_file
from envkit.recipe.layers import mpi_prefix

RECIPE = "rendered Horovod layer (recipes/scripts/horovod.post.sh.j2)"
CXX17 = ("Horovod's CMakeLists.txt and horovod/torch/CMakeLists.txt raised from C++14 to the standard torch's "
         "headers ask for (C++17 for torch 2.x, C++20 for torch 2.14; patching one file alone fails at link time)")


def horovod_flags(ctx: DocContext) -> list[str]:
    """The HOROVOD_* variables the Horovod layer's install step sets (none when the site has no base image)."""
    from envkit.recipe.layers import horovod_layer

    if ctx.base_layer is None or ctx.base is None or ctx.base.horovod is None:
        return []
    return list(horovod_layer(ctx.profile).facts.horovod_env)


def horovod(ctx: DocContext) -> DocSection:
    """Version, C++ standard patch, build flags, GPU ops, the MPI and torch it is built against, the check."""
    title = "Horovod in the image"
    if ctx.base is None or ctx.base.horovod is None or ctx.platform is None:
        why = ctx.base_error or f"base {ctx.profile.base} does not install Horovod"
        return DocSection("horovod", title, notes=(f"Not built for this site: {why}",))
    hvd, p = ctx.base.horovod, ctx.profile
    flags = horovod_flags(ctx)
    gpu_ops = next((f.split("=", 1)[1] for f in flags if f.startswith("HOROVOD_GPU_OPERATIONS=")), None)
    base_src = f"bases/{ctx.base.name}.yaml horovod"
    facts = [
        Fact("Horovod version", hvd.version, base_src),
        Fact("How it is built", "in a layer of its own between the site and workload layers, built only for runs "
                                "that ask for it (`envkit run ... -- --dist horovod`, or `envkit build --workload W "
                                "--horovod`): from the source distribution (pip download --no-binary=:all:), then "
                                "pip install --no-build-isolation against the image's torch and MPI", RECIPE),
        Fact("C++ standard patch", CXX17 if hvd.patch_cxx17 else "not applied", base_src),
        Fact("Build flags", " ".join(flags) or "none found", RECIPE),
        Fact("GPU operations", f"{gpu_ops} (allreduce on the GPUs)" if gpu_ops
             else "none: CPU-only image, collectives over MPI and Gloo", RECIPE),
        Fact("MPI it is built against", f"{MPI_NAMES[p.mpi.vendor]} {p.mpi.version} at {mpi_prefix(p)}",
             ctx.src("mpi")),
        Fact("torch", " ".join(ctx.platform.python.torch) + f" ({ctx.platform.python.installer}, Python "
                                                           f"{ctx.platform.python.version or 'of the OS'})",
             ctx.base_src()),
    ]
    from envkit.recipe.layers import horovod_tag

    image = ctx.image_file(horovod_tag(p))
    check = shlex.join(ctx.engine.exec_argv(image, ["horovodrun", "--check-build"], gpu=ctx.gpu))
    cmds = [DocCommand("Check what Horovod was built with", check, RECIPE,
                    note=f"The build saved the same output in {manifest_file('horovod-build.txt')}.")]
    notes = ["Ranks are started by the site launcher (see Run), one per GPU; horovodrun is only needed for "
             "the build check."]
    if p.scheduler.kind == "lsf":
        notes.append("On LSF, horovodrun calls jsrun itself; pass --mpi-args=\"-gpu\" for CUDA-aware Spectrum "
                     "MPI [read: horovod docs/lsf.rst].")
    return DocSection("horovod", title, facts=tuple(facts), commands=tuple(cmds), notes=tuple(notes))

"""Sections about the machine: architecture, GPUs and CUDA, MPI, the container engine.

Example:
    >>> from envkit.profile import load_profile
    >>> from envkit.docs.context import doc_context
    >>> s = architecture(doc_context(load_profile("hal")))
    >>> s.facts[0].value
    'ppc64le'
"""

from __future__ import annotations

from envkit.docs.context import FABRIC_NAMES, MPI_NAMES, TRANSPORT_NAMES, DocContext, engine_title
from envkit.docs.model import DocCommand, DocSection, Fact
from envkit.launch.run import runtime_env
from envkit.profile.cuda import MINOR_COMPAT_FLOOR, driver_ok, major_minor, min_driver
from envkit.profile.mpi import image_mpi
from envkit.recipe.layers import mpi_prefix, site_tag, workload_tag
from envkit.recipe.render import shell_quote

CUDA_NOTES = "envkit/profile/cuda.py: NVIDIA CUDA Toolkit release notes, table of toolkit and driver versions"

FABRIC_NEEDS = {
    "ucx": "the image's MPI is built with UCX (libucx, libibverbs) to use the InfiniBand links",
    "verbs": "the image's MPI is built with verbs (libibverbs, librdmacm)",
    "psm2": "Omni-Path needs PSM2: the image's MPI is built --with-psm2 against libpsm2; without it MPI falls back "
            "to TCP or fails to open an endpoint",
    "ofi": "the image's MPI is built with libfabric (OFI), the provider the fabric's driver offers",
    "tcp": "TCP only; nothing fabric-specific in the image",
}


def gpu_summary(ctx: DocContext) -> str:
    """'6 x V100 16 GB per node, NVLink 2.0' or 'no GPU'."""
    gpu = ctx.profile.gpu
    if gpu.vendor == "none":
        return "no GPU"
    link = f", {gpu.link}" if gpu.link else ""
    vendor = {"nvidia": "NVIDIA", "amd": "AMD", "intel": "Intel"}[gpu.vendor]
    return f"{gpu.per_node} x {vendor} {gpu.model} {gpu.memory_gb} GB per node{link}"


def architecture(ctx: DocContext) -> DocSection:
    """CPU arch and model, nodes, host OS, GPUs per node, interconnect."""
    p = ctx.profile
    smt = f", SMT{p.cpu.threads_per_core}" if p.cpu.threads_per_core > 1 else ""
    facts = [
        Fact("CPU architecture", p.cpu.arch, ctx.src("cpu")),
        Fact("CPU model", f"{p.cpu.model}; {p.cpu.sockets_per_node} socket(s), {p.cpu.cores_per_node} cores per "
                          f"node{smt}", ctx.src("cpu")),
        Fact("Nodes", f"{p.nodes.count} nodes, {p.nodes.memory_gb} GB memory each", ctx.src("nodes")),
        Fact("Host OS", f"{p.os.name} {p.os.version}", ctx.src("os")),
        Fact("GPUs per node", gpu_summary(ctx), ctx.src("gpu")),
    ]
    if p.gpu.per_node:
        facts.append(Fact("GPUs in total", f"{p.gpu.per_node * p.nodes.count} ({p.nodes.count} nodes x "
                                           f"{p.gpu.per_node})", ctx.src("gpu")))
    if p.gpu.compute_capability:
        facts.append(Fact("GPU compute capability", p.gpu.compute_capability, ctx.src("gpu")))
    speed = f", {p.interconnect.speed}" if p.interconnect.speed else ""
    facts += [
        Fact("Interconnect", f"{FABRIC_NAMES[p.interconnect.fabric]}{speed}; transport "
                             f"{TRANSPORT_NAMES[p.interconnect.transport]}", ctx.src("interconnect")),
        Fact("What the image needs for the fabric", FABRIC_NEEDS[p.interconnect.transport], ctx.src("interconnect")),
    ]
    return DocSection("system", "System architecture", facts=tuple(facts),
                   intro=f"Compute nodes of {p.title}. An image runs here only if it was built for "
                         f"{p.cpu.arch}.")


def driver_verdict(toolkit: str, driver: str) -> str:
    """One sentence: can the site's driver run the image's CUDA, and the minimum drivers.

    Example: driver_verdict("11.7", "470.82.01") -> 'runs CUDA 11.7 by minor-version compatibility ...'
    """
    full = min_driver(toolkit) or "unknown"
    floor = MINOR_COMPAT_FLOOR.get(major_minor(toolkit).split(".")[0])
    floor_text = f"; the floor under minor-version compatibility is {floor}" if floor else ""
    verdict = {
        "ok": f"runs CUDA {toolkit} fully (needs >= {full}{floor_text})",
        "minor-compat": f"runs CUDA {toolkit} by minor-version compatibility (full support needs >= {full}"
                        f"{floor_text}); PTX JIT and some newer features are missing",
        "too-old": f"is too old for CUDA {toolkit} (needs >= {full}{floor_text})",
        "unknown": f"CUDA {toolkit} is not in envkit's driver table",
    }[driver_ok(toolkit, driver)]
    return f"driver {driver} {verdict}"


def driver_status(toolkit: str, driver: str) -> str:
    """A short verdict: 'new enough', 'new enough only by minor-version compatibility', 'too old'."""
    return {"ok": "new enough", "minor-compat": "new enough only by minor-version compatibility",
            "too-old": "too old", "unknown": "not checked (CUDA release unknown to envkit)"}[driver_ok(toolkit, driver)]


def gpu_cuda(ctx: DocContext) -> DocSection:
    """GPU model, CUDA toolkit of the image, cuDNN, the host driver and whether it runs the image."""
    p = ctx.profile
    if p.rocm is not None:
        return gpu_rocm(ctx)
    if p.cuda is None:
        return DocSection("gpu", "GPUs, CUDA and driver", intro="This site has no GPUs; its image carries no CUDA.",
                       facts=(Fact("GPUs", "none", ctx.src("gpu")),))
    # The image's CUDA is the base platform's (chosen by what the driver runs), not always the site's own release:
    # one number on the page, the one the image carries.
    image_cuda = (ctx.platform.cuda if ctx.platform and ctx.platform.cuda else p.cuda.toolkit)
    facts = [
        Fact("GPU", f"NVIDIA {p.gpu.model}, {p.gpu.memory_gb} GB" + (f", {p.gpu.link}" if p.gpu.link else ""),
             ctx.src("gpu")),
        Fact("CUDA toolkit the site asks for", p.cuda.toolkit, ctx.src("cuda")),
        Fact("CUDA toolkit in the image", image_cuda, ctx.base_src() if ctx.platform else ctx.src("cuda")),
        Fact("cuDNN in the image", p.cuda.cudnn or "not set", ctx.src("cuda")),
        Fact("NVIDIA driver on the nodes", p.cuda.driver, ctx.src("cuda")),
        Fact("Driver check", driver_verdict(image_cuda, p.cuda.driver), CUDA_NOTES),
        Fact("Minimum driver for the image's CUDA", min_driver(image_cuda) or "unknown", CUDA_NOTES),
        *([Fact("Base image chosen", f"{ctx.platform.image}: "
                f"{ctx.base.choose_platform(p.cpu.arch, p.cuda.toolkit, p.cuda.driver)[1]}", ctx.base_src())]
          if ctx.base and ctx.platform else []),
    ]
    if ctx.platform is not None:
        facts.append(Fact("Image starts from", ctx.platform.image, ctx.base_src()))
    return DocSection("gpu", "GPUs, CUDA and driver", facts=tuple(facts),
                   intro="The image carries the CUDA toolkit; the driver comes from the host (`--nv`).")


MODEL_TEXT = {
    "hybrid": "hybrid: the host launcher starts the ranks and an MPI inside the image does the communication; "
              "it must match the host MPI (vendor, version series, PMI)",
    "bind": "bind: the image carries an ABI-compatible MPI to build mpi4py and Horovod against; at run time the "
            "host's MPI library folders are bound and put first on the container's library path, so the host's MPI "
            "runs the ranks",
}
INSTALL_TEXT = {
    "source": "built from source in the base layer",
    "distro": "the OS package, the same as the host's",
    "host": "the host's MPI tree copied in at build time and bind-mounted over at run time",
    "wheel": "the family's PyPI wheel, hash-locked, in the image's venv",
}


def configure_flags(ctx: DocContext) -> str | None:
    """The `./configure` flags the base layer builds MPI with (shell-quoted, as its install script has them)."""
    if ctx.base_layer is None or not ctx.base_layer.facts.mpi_configure:
        return None
    return shell_quote(list(ctx.base_layer.facts.mpi_configure))


def mpi(ctx: DocContext) -> DocSection:
    """Host MPI vendor/version, the container MPI model, what the image carries, its environment."""
    p = ctx.profile
    m = p.mpi
    image_vendor, image_version = image_mpi(p)
    facts = [
        Fact("Host MPI", f"{MPI_NAMES[m.vendor]} {m.version}", ctx.src("mpi")),
        Fact("Container MPI model", MODEL_TEXT[m.model], ctx.src("mpi")),
        Fact("MPI in the image", f"{MPI_NAMES[image_vendor]} {image_version}, {INSTALL_TEXT[m.install]}, at "
                                 f"{mpi_prefix(p)}", ctx.src("mpi")),
        Fact("Process management (PMI)", m.pmi, ctx.src("mpi")),
        Fact("CUDA-aware MPI", "yes" if m.cuda_aware else "no", ctx.src("mpi")),
    ]
    if m.root:
        facts.append(Fact("Host MPI prefix", m.root, ctx.src("mpi")))
    if m.bind_paths:
        facts.append(Fact("Host MPI bind-mounted at run time", ", ".join(m.bind_paths), ctx.src("mpi")))
    if m.host_module:
        facts.append(Fact("Host module that provides the ABI library", m.host_module, ctx.src("mpi")))
    for name, value in runtime_env(p):
        facts.append(Fact(f"{name} inside the container at run time", value,
                          f"{ctx.src('mpi')}; envkit/launch/run.py runtime_env (the same in envkit run and submit)"))
    flags = configure_flags(ctx)
    if flags:
        facts.append(Fact("MPI configure flags", flags, "rendered base layer (recipes/scripts/base.post.sh.j2)"))
    if ctx.site_layer is not None:
        env = [f"{k}={v}" for k, v in ctx.site_layer.environment
               if k.startswith(("OMPI_", "UCX_", "NCCL_", "FI_", "PSM2_"))]
        if env:
            facts.append(Fact("MPI and NCCL environment in the image", " ".join(env),
                              "rendered site layer (envkit/recipe/layers.py) and the profile's defaults.env"))
    return DocSection("mpi", "MPI", facts=tuple(facts), commands=transport_checks(ctx),
                   intro="Multi-node runs use the host's launcher; the MPI inside the image must work with it.")


def transport_checks(ctx: DocContext) -> tuple[DocCommand, ...]:
    """How a user sees which network NCCL and libfabric use (a plugin that does not load falls back to sockets).

    NCCL prints the network it picked with NCCL_DEBUG=INFO ('NET/OFI Selected Provider is cxi' from aws-ofi-nccl,
    'NET/Socket' without it: NCCL environment variables, https://docs.nvidia.com/deeplearning/nccl/user-guide/
    docs/env.html); fi_info lists a provider's interfaces (fi_info(1), https://ofiwg.github.io/libfabric/main/
    man/fi_info.1.html).
    """
    p = ctx.profile
    net = p.interconnect
    out: list[DocCommand] = []
    if net.provider:
        out.append(DocCommand(f"libfabric's {net.provider} provider on a compute node", f"fi_info -p {net.provider}",
                              f"{ctx.src('interconnect')}; fi_info(1) https://ofiwg.github.io/libfabric/main/man/"
                              "fi_info.1.html"))
    prefix = {"apptainer": "APPTAINERENV_", "singularity": "SINGULARITYENV_"}.get(p.container.engine, "")
    if net.nccl_plugin and p.gpu.vendor == "nvidia":
        out.append(DocCommand("Which network NCCL uses: set this before the launch line, then look for 'NET/OFI' (the "
                              "plugin) rather than 'NET/Socket' in the job's log (the image sets "
                              "NCCL_DEBUG=WARN, which the engine's prefix overrides)",
                              f"export {prefix}NCCL_DEBUG=INFO",
                              f"{ctx.src('interconnect')}; NCCL_DEBUG, https://docs.nvidia.com/deeplearning/nccl/"
                              "user-guide/docs/env.html"))
    return tuple(out)


def container(ctx: DocContext) -> DocSection:
    """The engine and version at the site, binds, fakeroot, image names, the site's build note."""
    p = ctx.profile
    c = p.container
    binds = p.binds
    facts = [
        Fact("Container engine", f"{engine_title(c.engine, c.version)} {c.version}", ctx.src("container")),
        Fact("Bind mounts", ", ".join(binds) if binds else "none", ctx.src("container")),
        Fact("Unprivileged builds (--fakeroot)", "yes" if c.fakeroot else "no", ctx.src("container")),
        Fact("Image names", f"{ctx.base_tag} (base) -> {site_tag(p)} (site) -> {workload_tag(p, '<workload>')}",
             "envkit/recipe/layers.py"),
    ]
    return DocSection("container", "Container engine", facts=tuple(facts))


APPTAINER_GPU = "https://apptainer.org/docs/user/latest/gpu.html"


def gpu_rocm(ctx: DocContext) -> DocSection:
    """An AMD site: how to run on its GPUs (ROCm), each line with the source it follows."""
    import shlex

    from envkit.launch import shown
    from envkit.launch.run import RunRequest, compose, container_for
    from envkit.profile.modules import module_words
    from envkit.recipe.layers import refuse_rocm_build, rocm_env

    p = ctx.profile
    assert p.rocm is not None
    plugin = p.interconnect.nccl_plugin
    plugin_src = f"{ctx.site_file} interconnect.nccl_plugin: {plugin.source}" if plugin else ctx.src("interconnect")
    facts = [
        Fact("GPUs", f"{gpu_summary(ctx)}: each GCD is one GPU to Slurm, ROCm and torch", ctx.src("gpu")),
        Fact("ROCm release the site names", p.rocm.version, ctx.src("rocm")),
    ]
    if ctx.platform is not None:
        facts += [
            Fact("torch in the image", f"{' '.join(ctx.platform.python.torch)} (ROCm {ctx.platform.rocm}) from "
                                       f"{ctx.platform.python.index_url}: not on PyPI, so not locked", ctx.base_src()),
            Fact("Image starts from", ctx.platform.image, ctx.base_src()),
        ]
    if plugin:
        facts.append(Fact("RCCL network plugin", f"{plugin.kind} from the host folder {plugin.host_path}, bound and "
                                                 "put on LD_LIBRARY_PATH (without it RCCL falls back to TCP sockets)",
                          plugin_src))
    facts.append(Fact("envkit build here", str(refuse_rocm_build(p)), "envkit/recipe/layers.py refuse_rocm_build"))
    env_lines = "\n".join(f"export {k}={shlex.quote(v)}" for k, v in rocm_env(p))
    image = ctx.image_file(workload_tag(p, "aigw"))
    cmds = []
    if p.modules:
        loads = "\n".join(shlex.join(["module", *module_words(m)]) for m in p.modules)
        cmds.append(DocCommand("Modules the job loads before the run", loads,
                               f"{ctx.site_file} modules; {ctx.src('rocm')}"))
    cmds += [
        DocCommand("The GPUs go into the container the Apptainer way: --rocm (not --nv)",
                   shlex.join(ctx.engine.exec_argv(image, ["python3", "-c", "import torch; "
                                                   "print(torch.cuda.device_count(), torch.version.hip)"],
                                                   gpu=ctx.gpu)),
                   f"{APPTAINER_GPU}; {ctx.src('container')}",
                   note="--rocm binds /dev/kfd, /dev/dri and the host's ROCm libraries; torch names the GCDs 'cuda'."),
        DocCommand("What every rank gets (on the run line as --env, and in the site layer): RCCL over Slingshot and "
                   "MIOpen's databases in a node-local folder", env_lines, f"{plugin_src}; {ctx.src('rocm')}"),
    ]
    container = container_for(p, "aigw", store=shown.STORE)
    nodes = min(2, p.nodes.count)
    line = compose(p, RunRequest(site=p.name, workload="aigw", nodes=nodes, results=shown.RESULTS), container)
    cmds.append(DocCommand(f"aigw on {nodes} nodes x {p.tasks_per_node} GPUs (GCDs)", shown.shell_line(line),
                           ctx.src("launcher")))
    return DocSection(
        "gpu", "AMD GPUs: how to run (ROCm)", facts=tuple(facts), commands=tuple(cmds),
        intro=f"{p.title} has AMD GPUs: the image carries torch's ROCm build, the host the driver (amdgpu) and the "
              "devices. Every line below follows the centre page quoted in its source.",
        notes=("envkit has no AMD GPU to test on: these lines are rendered from the centre's documented ones "
               "(tests/batch/test_centre_lines.py compares them), not run here.",
               f"envkit renders the ROCm image's recipe (envkit render --site {p.name}) but does not build it; build "
               "it where the site is, or use the centre's ROCm image with the same run line."))

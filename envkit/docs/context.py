"""What a page is built from: the profile, its maintained base, and the rendered layers.

Docs read the recipe the image is really built with (the rendered base and
site layers), so the Horovod flags or MPI environment on the page are the
ones in the definition file. A site whose arch/CUDA pair has no base image
still gets a page, with a warning in place of the recipe facts.

Example:
    >>> from envkit.profile import load_profile
    >>> ctx = doc_context(load_profile("summit"))
    >>> ctx.platform.arch, ctx.engine.name, ctx.gpu
    ('ppc64le', 'apptainer', 'nvidia')
"""

from __future__ import annotations

from dataclasses import dataclass

from envkit.engines.base import Engine, GpuKind, get_engine, gpu_kind
from envkit.errors import EnvkitError
from envkit.profile.load import profile_hash
from envkit.profile.model import Profile
from envkit.recipe.bases import Base, Platform, load_base
from envkit.recipe.model import Layer
from envkit.registry import ENGINES, SCHEDULERS

MPI_NAMES = {"openmpi": "Open MPI", "spectrum": "IBM Spectrum MPI", "mpich": "MPICH", "mvapich2": "MVAPICH2",
             "intel": "Intel MPI", "cray-mpich": "Cray MPICH"}
FABRIC_NAMES = {"infiniband": "InfiniBand", "omni-path": "Intel Omni-Path", "slingshot": "HPE Slingshot",
                "ethernet": "Ethernet", "none": "none (a single node)"}
TRANSPORT_NAMES = {"ucx": "UCX", "verbs": "verbs", "psm2": "PSM2", "ofi": "libfabric (OFI)", "tcp": "TCP"}


def engine_name(name: str) -> str:
    """How the docs name an engine (its module's display_name).

    >>> engine_name("singularity")
    'SingularityCE'
    """
    return ENGINES.get(name).display_name


def scheduler_name(name: str) -> str:
    """How the docs name a scheduler (its module's display_name; `none` for a site without one)."""
    return "none" if name == "none" else SCHEDULERS.get(name).display_name


SINGULARITYCE_FROM = (3, 8)   # Sylabs' Singularity is called SingularityCE from 3.8 on (sylabs/singularity releases)


def engine_title(engine: str, version: str) -> str:
    """The engine's name as its release was called: Singularity before 3.8, SingularityCE from 3.8.

    >>> engine_title("singularity", "3.6"), engine_title("singularity", "3.8"), engine_title("apptainer", "1.1")
    ('Singularity', 'SingularityCE', 'Apptainer')
    """
    from envkit.profile.cuda import version_tuple

    if engine == "singularity" and version_tuple(version)[:2] < SINGULARITYCE_FROM:
        return "Singularity"
    return engine_name(engine)


@dataclass(frozen=True)
class DocContext:
    """Everything the section builders read; `base_error` is set when the base has no image for the site."""

    profile: Profile
    engine: Engine
    base: Base | None
    platform: Platform | None
    base_layer: Layer | None
    site_layer: Layer | None
    base_error: str | None
    profile_hash: str

    @property
    def gpu(self) -> GpuKind:
        """The GPUs the site's containers get (envkit.launch.run.gpu_kind): "nvidia", "nvccli", "amd", or "" (none);
        true when the site has GPUs."""
        return gpu_kind(self.profile)

    def image_file(self, tag: str) -> str:
        """The image a tag is stored as: the tag with the engine's suffix (`<tag>.sif` for Apptainer)."""
        return f"{tag}{self.engine.image_suffix}"

    @property
    def base_tag(self) -> str:
        """The base layer's image name (a placeholder when the base has no image for the site)."""
        return self.base_layer.tag if self.base_layer is not None else f"{self.profile.base}-(no image for this site)"

    @property
    def site_image(self) -> str:
        """The site layer's image file, the one users run."""
        from envkit.recipe.layers import site_tag

        return self.image_file(site_tag(self.profile))

    @property
    def workload_images(self) -> str:
        """The pattern of the workload images' files, `envkit-<site>-<workload>[.sif]`."""
        from envkit.recipe.layers import workload_tag

        return self.image_file(workload_tag(self.profile, "<workload>"))

    @property
    def site_file(self) -> str:
        """How a source note names the profile: `<site>.yaml`."""
        return f"{self.profile.name}.yaml"

    def src(self, section: str) -> str:
        """The source note of a profile section, prefixed with where it lives.

        Example: ctx.src("cpu") -> 'summit.yaml cpu: [read: olcf-user-docs] ...'
        """
        note = getattr(self.profile, section).source
        return f"{self.site_file} {section}: {note}"

    def base_src(self) -> str:
        """The source note of the base platform the image starts from."""
        if self.base is None or self.platform is None:
            return f"base {self.profile.base}: no platform for this site"
        accel = f"rocm-{self.platform.rocm}" if self.platform.rocm else f"cuda-{self.platform.cuda or 'none'}"
        return f"bases/{self.base.name}.yaml platform {self.platform.arch}/{accel}: " \
               f"{self.platform.source}"


def doc_context(profile: Profile) -> DocContext:
    """Load the base and render the base and site layers for `profile` (never raises for a missing platform)."""
    from envkit.recipe.layers import base_layer, site_layer

    engine = get_engine(profile.container.engine)
    base: Base | None = None
    platform: Platform | None = None
    layers: tuple[Layer | None, Layer | None] = (None, None)
    error: str | None = None
    try:
        base = load_base(profile.base)
        platform = base.platform_for(profile.cpu.arch, profile.cuda.toolkit if profile.cuda else None,
                              rocm=profile.rocm.version if profile.rocm else None)
        layers = (base_layer(profile), site_layer(profile))
    except EnvkitError as exc:
        error = str(exc)
    return DocContext(profile=profile, engine=engine, base=base, platform=platform, base_layer=layers[0],
                      site_layer=layers[1], base_error=error, profile_hash=profile_hash(profile))

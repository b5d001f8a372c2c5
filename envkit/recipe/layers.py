"""Build the three layers of a site image from a profile, its base and a workload.

    base      OS + CUDA image, MPI matching the host, Python, torch, mpi4py
    site      the site's binds, MPI/NCCL/UCX environment, labels with the profile hash, a test
    horovod   Horovod compiled against the image's torch and MPI: only under the workloads of runs that ask
              for `--dist horovod` (its compile takes minutes, a DDP run does without it)
    workload  one bundled workload and its packages, with a run script

Example:
    >>> from envkit.profile import load_profile
    >>> layers = site_layers(load_profile("summit"))
    >>> [layer.tag.rsplit("-", 1)[0] for layer in layers]
    ['envkit-base-ppc64le-cuda11.7', 'envkit']
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace

from envkit.errors import EnvkitError
from envkit.lock.context import recipe_context
from envkit.paths import IMAGE_ROOT, SRC, VENV, WORKLOADS
from envkit.profile.load import profile_hash
from envkit.profile.model import Profile
from envkit.profile.mpi import image_mpi
from envkit.recipe.bases import Base, Platform, load_base
from envkit.recipe.model import LAYER_KINDS, InstallFacts, Layer, LayerKind
from envkit.recipe.packages import os_packages
from envkit.recipe.render import render_template
from envkit.recipe.venv_reuse import venv_key
from envkit.recipe.workload_spec import load_workload_spec, workload_dir
from envkit.registry import SCHEDULERS
from envkit.resources import relative_to_root


def base_tag(profile: Profile) -> str:
    """Image name of a site's base layer: <base>-<arch>-<cuda|cpu>-<digest of what the base installs>.

    The base holds no site name, so sites whose base inputs are equal (same base, platform, MPI build and
    lock, e.g. `local` and `local-slurm`) get the same tag and share one image instead of building it twice.
    """
    return base_layer(profile).tag


def site_tag(profile: Profile) -> str:
    """Image name of a site layer: envkit-<site>."""
    return f"envkit-{profile.name}"


def horovod_tag(profile: Profile) -> str:
    """Image name of a site's Horovod layer: envkit-<site>-horovod."""
    return f"envkit-{profile.name}-horovod"


def workload_tag(profile: Profile, workload: str, horovod: bool = False) -> str:
    """Image name of a workload layer: envkit-<site>-<workload>, or envkit-<site>-horovod-<workload> on top of
    the Horovod layer.

    Example:
        >>> from envkit.profile import load_profile
        >>> workload_tag(load_profile("local"), "aigw", horovod=True)
        'envkit-local-horovod-aigw'
    """
    return f"{horovod_tag(profile)}-{workload}" if horovod else f"envkit-{profile.name}-{workload}"


def mpi_prefix(profile: Profile) -> str:
    """Where the image's MPI lives."""
    if profile.mpi.install == "distro":
        return "/usr"
    if profile.mpi.install == "host":
        return profile.mpi.root or "/opt/mpi"
    if profile.mpi.install == "wheel":   # the wheel's bin/ and lib/ land in the venv
        return VENV
    return "/opt/mpi"


def _mpi_configure(profile: Profile) -> list[str]:
    flags = [f"--prefix={mpi_prefix(profile)}", "--disable-static"]
    transport = profile.interconnect.transport
    if image_mpi(profile)[0] == "openmpi":
        flags += {"ucx": ["--with-ucx=/usr"], "verbs": ["--with-verbs"], "psm2": ["--with-psm2"],
                  "ofi": ["--with-ofi"], "tcp": []}[transport]
        if profile.scheduler.kind in SCHEDULERS:   # the scheduler's module names its integration flags
            flags += list(SCHEDULERS.get(profile.scheduler.kind).openmpi_configure)
    if profile.mpi.cuda_aware and profile.cuda:
        flags += ["--with-cuda=/usr/local/cuda"]
    return flags


def _mpi_url(profile: Profile, base: Base) -> str | None:
    if profile.mpi.install != "source":
        return None
    vendor, version = image_mpi(profile)   # the bind model builds the family's open MPI (envkit.profile.mpi)
    template = base.sources.get(vendor)
    if template is None:
        return None
    series = ".".join(version.split(".")[:2])
    return template.format(version=version, series=series)


def _labels(profile: Profile, kind: str, extra: dict[str, str] | None = None) -> tuple[tuple[str, str], ...]:
    labels = {
        "org.envkit.layer": kind,
        **({} if kind == "base" else {"org.envkit.site": profile.name}),  # a base is shared by sites
        "org.envkit.base": profile.base,
        "org.envkit.arch": profile.cpu.arch,
        "org.envkit.cuda": _image_cuda(profile),   # the base platform's release, which the image carries
        **({"org.envkit.rocm": _image_rocm(profile)} if profile.rocm else {}),
        "org.envkit.mpi": "-".join(image_mpi(profile)),
    }
    if kind != "base":  # the base depends on a few facts (arch, CUDA, MPI, labelled here), not the whole profile:
        labels["org.envkit.profile-hash"] = profile_hash(profile)  # an env or bind change must not rebuild it
    labels.update(extra or {})
    return tuple(labels.items())


def _image_cuda(profile: Profile) -> str:
    """The CUDA release the image carries: its base platform's (envkit.recipe.bases.choose_platform), "none" on a
    CPU site."""
    if profile.cuda is None:
        return "none"
    return load_base(profile.base).platform_for(profile.cpu.arch, profile.cuda.toolkit).cuda or profile.cuda.toolkit


def _image_rocm(profile: Profile) -> str:
    """The ROCm release of the image's torch: its base platform's (an AMD site's), "none" elsewhere."""
    if profile.rocm is None:
        return "none"
    return load_base(profile.base).platform_for(profile.cpu.arch, None, rocm=profile.rocm.version).rocm or "none"


MPI4PY_WHEEL_VENDORS = ("openmpi", "mpich")
"""MPIs mpi4py's binary wheel loads at run time (mpi4py >= 4.1: MPICH, Open MPI and their ABI derivatives,
https://mpi4py.readthedocs.io/en/4.1.1/install.html); envkit uses it for these two as the distribution installs
them (tested here: Debian 12 Open MPI 4.1.4 and MPICH 4.0.2); MPI built from source or copied from the host
compiles mpi4py against it as before."""


def mpi4py_from_wheel(profile: Profile) -> bool:
    """Does the base install mpi4py from its locked wheel (no compile) rather than build its sdist?

    Example:
        >>> from envkit.profile import load_profile
        >>> mpi4py_from_wheel(load_profile("local")), mpi4py_from_wheel(load_profile("hal"))
        (True, False)
    """
    return profile.mpi.install == "distro" and profile.mpi.vendor in MPI4PY_WHEEL_VENDORS


def _horovod_env(profile: Profile) -> list[str]:
    """The HOROVOD_* settings Horovod's build gets: PyTorch with MPI and Gloo, NCCL on GPU sites."""
    env = ["HOROVOD_WITH_PYTORCH=1", "HOROVOD_WITHOUT_TENSORFLOW=1", "HOROVOD_WITHOUT_MXNET=1",
           "HOROVOD_WITH_MPI=1", "HOROVOD_WITH_GLOO=1"]
    if profile.gpu.vendor == "amd":   # Horovod's ROCm build (HOROVOD_GPU=ROCM), its collectives by RCCL
        return [*env, "HOROVOD_GPU=ROCM", "HOROVOD_GPU_OPERATIONS=NCCL"]
    return [*env, "HOROVOD_GPU_OPERATIONS=NCCL"] if profile.gpu.vendor != "none" else env


def rocm_env(profile: Profile) -> list[tuple[str, str]]:
    """What an AMD site's ranks need in the container: the variables the centre documents for RCCL and its
    aws-ofi-rccl plugin (interconnect.nccl_plugin.env: NCCL_SOCKET_IFNAME=hsn0 at OLCF, hsn0,hsn1,hsn2,hsn3 at LUMI)
    and MIOpen's databases in a node-local folder (rocm.miopen_user_db_path). Empty on other sites.

    >>> from envkit.profile import load_profile
    >>> dict(rocm_env(load_profile("frontier")))["MIOPEN_USER_DB_PATH"]
    '/tmp/envkit-miopen-cache'
    >>> rocm_env(load_profile("local"))
    []
    """
    if profile.rocm is None:
        return []
    plugin = profile.interconnect.nccl_plugin
    env = dict(plugin.env) if plugin else {}
    env["MIOPEN_USER_DB_PATH"] = profile.rocm.miopen_user_db_path
    env["MIOPEN_CUSTOM_CACHE_DIR"] = profile.rocm.miopen_user_db_path
    return sorted(env.items())


def _context(profile: Profile, base: Base, platform: Platform) -> dict:
    mpi_url = _mpi_url(profile, base)
    return {
        "profile": profile,
        "base": base,
        "platform": platform,
        "image_root": IMAGE_ROOT,
        "venv": VENV,
        "mpi_prefix": mpi_prefix(profile),
        "mpi_url": mpi_url,
        "mpi_configure": _mpi_configure(profile),
        "os_packages": os_packages(profile, base, platform),
        "miniforge_url": base.sources.get("miniforge", "").format(
            version=base.miniforge_version, arch=profile.cpu.arch) or None,
        "gpu": profile.gpu.vendor != "none",
        "horovod_env": _horovod_env(profile),
        "mpi4py_wheel": mpi4py_from_wheel(profile),
        "profile_hash": profile_hash(profile),
    }


def base_layer(profile: Profile) -> Layer:
    """The maintained base for one site: its MPI is built to match the site's host MPI."""
    base = load_base(profile.base)
    platform = base.platform_for(profile.cpu.arch, profile.cuda.toolkit if profile.cuda else None,
                              rocm=profile.rocm.version if profile.rocm else None)
    ctx = _context(profile, base, platform)
    ctx.update(recipe_context(profile, "base", ctx["os_packages"]))  # the lock's versions and hashes
    ctx["compiled"] = [n for n in ctx["source_built"] if not (n == "mpi4py" and ctx["mpi4py_wheel"])]
    ctx["venv_key"] = _venv_key(platform, ctx)
    files: tuple[tuple[str, str], ...] = ()
    if profile.mpi.install == "host":
        files = ((mpi_prefix(profile), mpi_prefix(profile)),)
    layer = Layer(
        kind="base",
        tag=profile.base,
        image=platform.image,
        files=files,
        post=render_template(f"scripts/{base.recipe}.post.sh.j2", **ctx),
        test=render_template("scripts/base.test.sh.j2", **ctx),
        environment=(("PATH", _search_path(profile)),),
        labels=_labels(profile, "base"),
        help=f"{base.name}: {base.description}.",
        facts=InstallFacts(
            os_packages=tuple(ctx["os_packages"]),
            os_install=tuple(ctx["apt_install"]),
            mpi_url=ctx["mpi_url"] if profile.mpi.install == "source" else None,
            mpi_configure=tuple(ctx["mpi_configure"]) if profile.mpi.install == "source" else (),
            venv_key=ctx["venv_key"],
        ),
    )
    return replace(layer, tag=f"{profile.base}-{profile.cpu.arch}-"
                              f"{_accel(profile)}-{_content_digest(layer)}")


def _venv_key(platform: Platform, ctx: dict) -> str | None:
    """The key under which another base may reuse this base's venv (envkit.recipe.venv_reuse): only a locked
    venv with nothing compiled against the image's MPI in it (mpi4py from its wheel); else None."""
    if ctx["lock"] is None or platform.python.installer != "venv" or not ctx["mpi4py_wheel"]:
        return None
    return venv_key(platform.image, ctx["apt_install"], ctx["lock"].requirements(exclude=tuple(ctx["compiled"])))


def _accel(profile: Profile) -> str:
    """cuda<release>, rocm<release> or cpu: what a base tag says the image carries."""
    if profile.cuda:
        return f"cuda{_image_cuda(profile)}"
    return f"rocm{_image_rocm(profile)}" if profile.rocm else "cpu"


def _content_digest(layer: Layer) -> str:
    """Eight hex digits of sha256 over everything a layer installs (image, files, scripts, environment, labels)."""
    text = json.dumps([layer.image, layer.files, layer.post, layer.test, layer.environment, layer.labels,
                       layer.help], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:8]


def _search_path(profile: Profile) -> str:
    """PATH inside the image: the venv, then the image's MPI unless it is already in /usr/bin."""
    prefix = mpi_prefix(profile)
    return f"{VENV}/bin:$PATH" if prefix in ("/usr", VENV) else f"{VENV}/bin:{prefix}/bin:$PATH"


def _site_environment(profile: Profile) -> tuple[tuple[str, str], ...]:
    prefix = mpi_prefix(profile)
    env: dict[str, str] = {"PATH": _search_path(profile)}
    if prefix != "/usr":
        env["LD_LIBRARY_PATH"] = f"{prefix}/lib:$LD_LIBRARY_PATH"
    env.update({
        "ENVKIT_HOME": IMAGE_ROOT,
        "ENVKIT_SITE": profile.name,
        "ENVKIT_PROFILE_HASH": profile_hash(profile),
    })
    transport = profile.interconnect.transport
    if profile.mpi.vendor in ("openmpi", "spectrum"):
        # UCX moves GPU buffers only with its cuda_copy and cuda_ipc transports (UCX FAQ, "Does UCX support
        # GPU memory?": https://openucx.readthedocs.io/en/master/faq.html), so a CUDA-aware MPI lists them.
        ucx_tls = "rc,sm,self,cuda_copy,cuda_ipc" if profile.mpi.cuda_aware and profile.cuda else "rc,sm,self"
        env.update({
            "ucx": {"OMPI_MCA_pml": "ucx", "UCX_TLS": ucx_tls},
            "verbs": {"OMPI_MCA_btl": "self,vader,openib"},
            "psm2": {"OMPI_MCA_pml": "cm", "OMPI_MCA_mtl": "psm2"},
            "ofi": {"OMPI_MCA_pml": "cm", "OMPI_MCA_mtl": "ofi"},
            "tcp": {"OMPI_MCA_btl": "self,vader,tcp"},
        }[transport])
    if profile.gpu.vendor == "nvidia":
        env["NCCL_DEBUG"] = "WARN"
        # No InfiniBand verbs to use: NCCL is told so, except on Slingshot, where the aws-ofi-nccl plugin carries
        # the traffic over libfabric (interconnect.nccl_plugin; without it NCCL would fall back to sockets).
        if profile.interconnect.fabric not in ("infiniband", "slingshot"):
            env["NCCL_IB_DISABLE"] = "1"
        plugin = profile.interconnect.nccl_plugin
        if plugin:
            env.update(plugin.env)
    env.update(rocm_env(profile))
    env.update(profile.defaults.env)
    return tuple(env.items())


def site_layer(profile: Profile) -> Layer:
    """The site layer: binds, environment, labels with the profile hash, and a test."""
    base = load_base(profile.base)
    platform = base.platform_for(profile.cpu.arch, profile.cuda.toolkit if profile.cuda else None,
                              rocm=profile.rocm.version if profile.rocm else None)
    ctx = _context(profile, base, platform)
    ctx["bind_points"] = profile.bind_points
    ctx["site_yaml"] = _site_yaml(profile)
    return Layer(
        kind="site",
        tag=site_tag(profile),
        parent=base_tag(profile),
        post=render_template("scripts/site.post.sh.j2", **ctx),
        test=render_template("scripts/site.test.sh.j2", **ctx),
        environment=_site_environment(profile),
        labels=_labels(profile, "site", {"org.envkit.title": profile.title}),
        help=f"envkit image for {profile.title}. Profile hash {profile_hash(profile)}.",
    )


def _site_yaml(profile: Profile) -> str:
    import yaml

    return yaml.safe_dump(profile.model_dump(mode="json", exclude_none=True), sort_keys=True, width=1000)


def horovod_layer(profile: Profile) -> Layer:
    """Horovod on top of the site layer, from the base lock's sdist (the base wrote locks/horovod.txt)."""
    base = load_base(profile.base)
    if base.horovod is None:
        raise EnvkitError(f"base {profile.base} does not build Horovod (bases/{profile.base}.yaml has no "
                          f"`horovod:`): use --dist ddp")
    platform = base.platform_for(profile.cpu.arch, profile.cuda.toolkit if profile.cuda else None,
                              rocm=profile.rocm.version if profile.rocm else None)
    ctx = _context(profile, base, platform)
    ctx.update(recipe_context(profile, "base", ctx["os_packages"]))  # Horovod's sdist is locked with the base
    return Layer(
        kind="horovod",
        tag=horovod_tag(profile),
        parent=site_tag(profile),
        post=render_template("scripts/horovod.post.sh.j2", **ctx),
        test=render_template("scripts/horovod.test.sh.j2", **ctx),
        labels=_labels(profile, "horovod", {"org.envkit.horovod": base.horovod.version}),
        help=f"Horovod {base.horovod.version} for {profile.title}, built against the image's torch and MPI.",
        facts=InstallFacts(horovod_env=tuple(ctx["horovod_env"])),
    )


def workload_layer(profile: Profile, workload: str, horovod: bool = False) -> Layer:
    """A workload layer: the workload's folder, envkit itself and the workload's packages (on top of the
    Horovod layer when `horovod`)."""
    spec = load_workload_spec(workload)
    folder = relative_to_root(workload_dir(workload))
    files = (
        ("pyproject.toml", f"{SRC}/pyproject.toml"),
        ("README.md", f"{SRC}/README.md"),
        ("envkit", f"{SRC}/envkit"),
        (str(folder), f"{WORKLOADS}/{spec.name}"),
    )
    base = load_base(profile.base)
    platform = base.platform_for(profile.cpu.arch, profile.cuda.toolkit if profile.cuda else None,
                              rocm=profile.rocm.version if profile.rocm else None)
    ctx = {**_context(profile, base, platform), "spec": spec}
    ctx.update(recipe_context(profile, f"workload-{spec.name}", spec.dependencies.apt))  # the lock's versions
    return Layer(
        kind="workload",
        tag=workload_tag(profile, spec.name, horovod),
        parent=horovod_tag(profile) if horovod else site_tag(profile),
        files=files,
        post=render_template("scripts/workload.post.sh.j2", **ctx),
        test=render_template("scripts/workload.test.sh.j2", **ctx),
        environment=(("ENVKIT_WORKLOAD", spec.name),),
        labels=_labels(profile, "workload", {"org.envkit.workload": spec.name}),
        runscript=f'exec python -m envkit.train {spec.name} "$@"\n',
        help=f"{spec.name}: {spec.description}",
    )


def kinds_upto(last: str, workload: str | None, horovod: bool = False) -> list[LayerKind]:
    """The layer kinds a build or render of `--layer last` needs, in order (one-line errors for bad input);
    the Horovod layer only when asked for (`--layer horovod`, or `horovod` under a workload).

    Example:
        >>> kinds_upto("site", None)
        ['base', 'site']
        >>> kinds_upto("workload", "aigw"), kinds_upto("workload", "aigw", horovod=True)[2]
        (['base', 'site', 'workload'], 'horovod')
    """
    if last not in LAYER_KINDS:
        raise EnvkitError(f"--layer must be one of {', '.join(LAYER_KINDS)}, got {last!r}")
    if last == "workload" and not workload:
        raise EnvkitError("--layer workload needs --workload NAME")
    wanted = horovod or last == "horovod"
    return [kind for kind in LAYER_KINDS[: LAYER_KINDS.index(last) + 1] if kind != "horovod" or wanted]


def layer_of(profile: Profile, kind: str, workload: str | None = None, horovod: bool = False) -> Layer:
    """The layer of one kind for a profile (the workload layer needs `workload`; `horovod`: on top of the
    Horovod layer)."""
    kinds_upto(kind, workload)
    if kind == "base":
        return base_layer(profile)
    if kind == "site":
        return site_layer(profile)
    if kind == "horovod":
        return horovod_layer(profile)
    return workload_layer(profile, workload or "", horovod)


def site_layers(profile: Profile, workload: str | None = None, horovod: bool = False) -> list[Layer]:
    """base -> site (-> horovod) (-> workload) for a profile."""
    last = "workload" if workload else "horovod" if horovod else "site"
    return [layer_of(profile, kind, workload, horovod) for kind in kinds_upto(last, workload, horovod)]


def refuse_rocm_build(profile: Profile) -> EnvkitError:
    """Why envkit does not build an AMD site's image: one line naming what is missing (never a fake success).

    >>> from envkit.profile import load_profile
    >>> print(str(refuse_rocm_build(load_profile("frontier"))).split(":")[0])
    site frontier
    """
    platform = load_base(profile.base).platform_for(profile.cpu.arch, None, rocm=profile.rocm.version if profile.rocm
                                                     else None)
    torch = " ".join(platform.python.torch)
    return EnvkitError(
        f"site {profile.name}: envkit does not build ROCm images: its recipe (envkit render --site {profile.name}) "
        f"installs {torch} from {platform.python.index_url}, which the lock cannot pin (it resolves PyPI only), and "
        "no AMD GPU here can test the image; build the rendered definition on the site, or run the centre's ROCm "
        "image (envkit docs --site " + profile.name + ": AMD GPUs)")

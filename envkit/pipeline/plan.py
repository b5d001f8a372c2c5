"""Plan a build: load the profile, render each layer in the engine's format, key it, and decide what to build.

A layer must be built when it was never built, its key changed (its rendered files, its parent's key, the files
it copies, or the engine's version), or its image is gone; `--rebuild` forces it.

Example:
    >>> opts = BuildOptions(site="hal", dry_run=True)
    >>> [(p.layer.tag, p.needs_build) for p in plan_build(opts).layers]  # doctest: +ELLIPSIS
    [('envkit-base-ppc64le-cuda11.2-...', True), ('envkit-hal', True)]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from envkit.engines.base import BuildRequest, Engine, GpuKind, get_engine, gpu_kind
from envkit.profile.model import Profile
from envkit.recipe.layers import kinds_upto, layer_of
from envkit.recipe.model import Layer, LayerKind
from envkit.store.cache import layer_key, read_record
from envkit.store.paths import LayerPaths, default_store, engine_root


@dataclass
class BuildOptions:
    """What `envkit build` was asked for."""

    site: str
    layer: str | None = None           # build up to this layer (default: site, or workload with --workload)
    workload: str | None = None
    engine: str | None = None          # overrides the profile's container.engine
    rebuild: bool = False
    dry_run: bool = False
    jobs: int | None = None
    store: Path | None = None
    horovod: bool = False              # the workload on top of the Horovod layer (runs with --dist horovod)
    project: Path | None = None        # a project folder: its layer goes on the site layer (envkit.project)


@dataclass
class LayerPlan:
    """One layer: its rendered files, its key, and whether it must be built."""

    layer: Layer
    files: dict[str, str]
    key: str
    paths: LayerPaths
    needs_build: bool
    reason: str
    status: str = "pending"
    seconds: float = 0.0
    image: str = ""


@dataclass
class BuildPlan:
    """The whole build: profile, engine, where, and the layers in order."""

    profile: Profile
    engine: Engine
    root: Path
    engine_version: str
    layers: list[LayerPlan] = field(default_factory=list)

    @property
    def top(self) -> LayerPlan:
        return self.layers[-1]

    def binds(self) -> list[str]:
        """The site's bind mounts (container.binds, then the MPI bind paths) that run commands use."""
        return self.profile.binds

    @property
    def gpu(self) -> GpuKind:
        """The GPUs the engine passes into a run (envkit.launch.run.gpu_kind): "nvidia", "nvccli", "amd" or ""."""
        return gpu_kind(self.profile)


def _wanted(opts: BuildOptions) -> list[LayerKind]:
    if opts.project is not None:
        return ["base", "site", "project"]
    last = opts.layer or ("workload" if opts.workload else "horovod" if opts.horovod else "site")
    return kinds_upto(last, opts.workload, opts.horovod)


def _layers(profile: Profile, kinds: list[LayerKind], workload: str | None, horovod: bool,
            project: Path | None = None, fresh_lock: bool = True) -> list[Layer]:
    if project is not None:
        from envkit.project.layer import layer_for

        return [layer_of(profile, "base"), layer_of(profile, "site"), layer_for(profile, project, fresh_lock)]
    return [layer_of(profile, kind, workload, horovod) for kind in kinds]


def _copied(layer: Layer) -> tuple[list[Path], list[Path]]:
    """Files a layer copies: (inside the envkit tree: hashed by content, host paths: by size and mtime)."""
    from envkit.resources import locate

    tree, host = [], []
    for src, _dst in layer.files:
        if src.startswith("/"):
            host.append(Path(src))
        else:
            tree.append(locate(src))
    return tree, host


def plan_build(opts: BuildOptions) -> BuildPlan:
    """Load the profile, render every layer in the engine's format and decide what must be built."""
    from envkit.profile import load_profile
    from envkit.recipe.formats import render_layer

    kinds = _wanted(opts)
    profile = load_profile(opts.site)
    engine = get_engine(opts.engine or profile.container.engine)
    if not opts.dry_run:
        if engine.builder is not None:   # it only runs images: one line naming the engine that builds them
            raise engine.refuse_build()
        if profile.rocm is not None:
            from envkit.recipe.layers import refuse_rocm_build

            raise refuse_rocm_build(profile)
        engine.require()
        from envkit.lock.files import require_fresh  # a missing or stale lock: one line naming `envkit lock`

        workload_layers = [f"workload-{Path(opts.workload or '').name}"] if "workload" in kinds else []
        require_fresh(profile, ("base", *workload_layers))
    version = engine.version() or "unknown"
    root = engine_root(opts.store or default_store(), engine.name)
    plan = BuildPlan(profile=profile, engine=engine, root=root, engine_version=version)
    parent_key = ""
    parent_rebuilt = False
    for layer in _layers(profile, kinds, opts.workload, opts.horovod, opts.project, fresh_lock=not opts.dry_run):
        files = render_layer(layer, engine.fmt, profile.name)
        tree, host = _copied(layer)
        key = layer_key(engine.key_files(layer, files), parent_key=parent_key, engine=f"{engine.name} {version}",
                        copied=tree, foreign=host)
        paths = LayerPaths(root, layer.tag)
        needs, reason = needs_build(engine, paths, key, opts.rebuild, parent_rebuilt)
        plan.layers.append(LayerPlan(layer=layer, files=files, key=key, paths=paths, needs_build=needs,
                                     reason=reason, image=str(engine.image_path(root, layer.tag))))
        parent_key, parent_rebuilt = key, needs
    return plan


def needs_build(engine: Engine, paths: LayerPaths, key: str, rebuild: bool, parent_rebuilt: bool) -> tuple[bool, str]:
    if rebuild:
        return True, "--rebuild"
    record = read_record(paths.record)
    if record is None:
        return True, "never built"
    if record.get("key") != key:
        return True, "parent rebuilt" if parent_rebuilt else "inputs changed"
    if not engine.image_exists(paths.root, paths.tag):
        return True, "image missing"
    return False, "up to date"


def build_request(plan: BuildPlan, lp: LayerPlan, opts: BuildOptions, tmp_name: str) -> BuildRequest:
    """What the engine needs to build `lp` into the temporary image `tmp_name`."""
    return BuildRequest(layer=lp.layer, files=lp.files, site=plan.profile.name, root=plan.root, tmp_name=tmp_name,
                        log=lp.paths.log, jobs=opts.jobs, rebuild=opts.rebuild,
                        fakeroot=plan.profile.container.fakeroot)

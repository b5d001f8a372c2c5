"""Build a site's layers in order, each only when its inputs changed; atomic, locked, with a manifest.

For each layer (base, site, then workload if asked):
  key = envkit.engines.cache.layer_key(rendered files, parent's key, copied files, engine+version)
  up to date  <=> its record holds that key and its image exists: no engine call at all
  otherwise   under the layer's lock: build NAME.tmp-XXXX, run the layer's test in it, read the
              manifest from inside it, drop the old record, swap the image in, write record+manifest.

Example:
    >>> opts = BuildOptions(site="hal", dry_run=True)
    >>> [p.layer.tag for p in plan_build(opts).layers]
    ['envkit-base-hal', 'envkit-hal']
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from envkit.build.progress import Reporter, SilentReporter
from envkit.build.store import LayerPaths, default_store, engine_root
from envkit.engines.base import BuildRequest, Engine, get_engine
from envkit.engines.cache import drop_record, layer_key, read_record, write_record
from envkit.errors import EnvkitError
from envkit.profile.model import Profile
from envkit.recipe.model import Layer

LAYER_ORDER = ("base", "site", "workload")
EXEC_EXAMPLE = ["python3", "-c", "import torch, mpi4py; print('torch', torch.__version__)"]


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
        return list(dict.fromkeys([*self.profile.container.binds, *self.profile.mpi.bind_paths]))

    @property
    def gpu(self) -> bool:
        return self.profile.gpu.vendor == "nvidia"


def _wanted(opts: BuildOptions) -> list[str]:
    last = opts.layer or ("workload" if opts.workload else "site")
    if last not in LAYER_ORDER:
        raise EnvkitError(f"--layer must be one of {', '.join(LAYER_ORDER)}, got {last!r}")
    if last == "workload" and not opts.workload:
        raise EnvkitError("--layer workload needs --workload NAME")
    return list(LAYER_ORDER[: LAYER_ORDER.index(last) + 1])


def _layers(profile: Profile, kinds: list[str], workload: str | None) -> list[Layer]:
    from envkit.recipe.layers import base_layer, site_layer, workload_layer

    out = [base_layer(profile)]
    if "site" in kinds:
        out.append(site_layer(profile))
    if "workload" in kinds:
        out.append(workload_layer(profile, workload or ""))
    return out


def _copied(layer: Layer) -> tuple[list[Path], list[Path]]:
    """Files a layer copies: (inside the envkit tree: hashed by content, host paths: by size and mtime)."""
    from envkit.resources import home

    tree, host = [], []
    for src, _dst in layer.files:
        if src.startswith("/"):
            host.append(Path(src))
        else:
            tree.append(home() / src)
    return tree, host


def plan_build(opts: BuildOptions) -> BuildPlan:
    """Load the profile, render every layer in the engine's format and decide what must be built."""
    from envkit.profile import load_profile
    from envkit.recipe.formats import render_layer

    kinds = _wanted(opts)
    profile = load_profile(opts.site)
    engine = get_engine(opts.engine or profile.container.engine)
    if not opts.dry_run:
        engine.require()
        from envkit.lock.files import require_fresh  # a missing or stale lock: one line naming `envkit lock`

        require_fresh(profile, ("base", *([f"workload-{Path(opts.workload).name}"] if "workload" in kinds else [])))
    version = engine.version() or "unknown"
    root = engine_root(opts.store or default_store(), engine.name)
    plan = BuildPlan(profile=profile, engine=engine, root=root, engine_version=version)
    parent_key = ""
    parent_rebuilt = False
    for layer in _layers(profile, kinds, opts.workload):
        files = render_layer(layer, engine.fmt, profile.name)  # type: ignore[arg-type]
        tree, host = _copied(layer)
        key = layer_key(engine.key_files(files), parent_key=parent_key, engine=f"{engine.name} {version}",
                        copied=tree, foreign=host)
        paths = LayerPaths(root, layer.tag)
        needs, reason = _needs_build(engine, paths, key, opts.rebuild, parent_rebuilt)
        plan.layers.append(LayerPlan(layer=layer, files=files, key=key, paths=paths, needs_build=needs,
                                     reason=reason, image=str(engine.image_path(root, layer.tag))))
        parent_key, parent_rebuilt = key, needs
    return plan


def _needs_build(engine: Engine, paths: LayerPaths, key: str, rebuild: bool, parent_rebuilt: bool) -> tuple[bool, str]:
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


def run_build(opts: BuildOptions, reporter: Reporter | None = None) -> BuildPlan:
    """Build what the plan says must be built; returns the plan with each layer's outcome."""
    reporter = reporter or SilentReporter()
    plan = plan_build(opts)
    reporter.start(plan)
    try:
        for index, lp in enumerate(plan.layers):
            if not lp.needs_build and not (index and plan.layers[index - 1].status == "built"):
                lp.status = "up to date"
                reporter.layer_done(lp)
                continue
            _build_layer(plan, lp, opts, reporter, force=opts.rebuild or lp.needs_build is False)
    finally:
        reporter.finish(plan)
    return plan


def _build_layer(plan: BuildPlan, lp: LayerPlan, opts: BuildOptions, reporter: Reporter, force: bool) -> None:
    from envkit.engines.lock import FileLock

    engine, root = plan.engine, plan.root
    with FileLock(lp.paths.lock, on_wait=reporter.line):
        if force:
            reason = "--rebuild" if opts.rebuild else "parent rebuilt"
        else:
            needs, reason = _needs_build(engine, lp.paths, lp.key, False, False)
            if not needs:          # another build finished it while we waited for the lock
                lp.status = "up to date"
                reporter.layer_done(lp)
                return
        lp.reason = reason
        for stale in engine.stale_images(root, lp.layer.tag):
            engine.discard(root, stale)
        tmp = f"{lp.layer.tag}.tmp-{secrets.token_hex(4)}"
        req = BuildRequest(layer=lp.layer, files=lp.files, site=plan.profile.name, root=root, tmp_name=tmp,
                           log=lp.paths.log, jobs=opts.jobs, rebuild=opts.rebuild,
                           fakeroot=plan.profile.container.fakeroot)
        root.mkdir(parents=True, exist_ok=True)
        lp.paths.log.write_text(f"# envkit build {lp.layer.tag} ({lp.layer.kind} layer, {reason}) "
                                f"{_now()}\n# key {lp.key}\n")
        lp.status = "building"
        reporter.layer_start(lp)
        started = time.monotonic()
        try:
            _engine_build(engine, req, reporter)
            _test(engine, req, reporter)
            manifest = _manifest(plan, lp, engine.inspect(str(engine.image_path(root, tmp))))
            text = json.dumps(manifest, indent=2, sort_keys=True) + "\n"
            from envkit.engines.manifest import IMAGE_MANIFEST

            engine.write_into_image(root, tmp, IMAGE_MANIFEST, text)
            if lp.layer.parent:
                engine.share_with_parent(root, tmp, lp.layer.parent, lp.paths.log)
            drop_record(lp.paths.record)              # from here the old record must not vouch for the image
            engine.promote(root, tmp, lp.layer.tag)
        except BaseException:
            try:
                engine.discard(root, tmp)
            except OSError:
                pass
            lp.status = "failed"
            reporter.layer_done(lp)
            raise
        from envkit.fsutil import atomic_write_text

        atomic_write_text(lp.paths.manifest, text)
        lp.seconds = time.monotonic() - started
        write_record(lp.paths.record, {
            "key": lp.key, "tag": lp.layer.tag, "layer": lp.layer.kind, "site": plan.profile.name,
            "engine": engine.name, "engine_version": plan.engine_version, "image": lp.image,
            "built_at": manifest["built_at"], "seconds": round(lp.seconds, 1),
            "parent": lp.layer.parent, "profile_hash": manifest["profile_hash"],
        })
        lp.status = "built"
        reporter.layer_done(lp)


def _engine_build(engine: Engine, req: BuildRequest, reporter: Reporter) -> None:
    """engine.build; a failure pip gave for a file that does not match the lock's sha256 names the package."""
    try:
        engine.build(req, reporter.line)
    except EnvkitError as exc:
        from envkit.lock.check import hash_failure

        text = req.log.read_text(errors="replace") if req.log.is_file() else ""
        named = hash_failure(text)
        if named is None:
            raise
        raise EnvkitError(f"{req.layer.tag}: {named} (log: {req.log})") from exc


def _test(engine: Engine, req: BuildRequest, reporter: Reporter) -> None:
    from envkit.engines.proc import run_logged

    cmd = engine.test_command(req)
    if cmd is None:
        return
    reporter.line(f"testing {req.layer.tag}: {req.layer.test_name}")
    rc = run_logged(cmd, req.log, reporter.line)
    if rc != 0:
        raise EnvkitError(f"the {req.layer.kind} layer's test failed with exit code {rc} (log: {req.log})")


def rendered_hash(files: dict[str, str]) -> str:
    """sha256 of the rendered recipe files (what `envkit render` prints), 16 hex chars."""
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(f"{name}\0{files[name]}\0".encode())
    return digest.hexdigest()[:16]


def _manifest(plan: BuildPlan, lp: LayerPlan, facts: dict[str, Any]) -> dict[str, Any]:
    from envkit.profile import profile_hash

    return {
        **facts,
        "image": lp.image, "tag": lp.layer.tag, "layer": lp.layer.kind, "site": plan.profile.name,
        "parent": lp.layer.parent, "recipe_hash": rendered_hash(lp.files), "cache_key": lp.key,
        "profile_hash": profile_hash(plan.profile), "engine": f"{plan.engine.name} {plan.engine_version}",
        "built_at": _now(),
    }


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()


def dry_run_lines(plan: BuildPlan, opts: BuildOptions) -> list[str]:
    """The exact commands a build would run, layer by layer, then how to run the image."""
    out = [f"# site {plan.profile.name}, engine {plan.engine.name} {plan.engine_version}, store {plan.root}"]
    for lp in plan.layers:
        if not lp.needs_build:
            out.append(f"# {lp.layer.kind}: {lp.layer.tag} is up to date")
            continue
        tmp = f"{lp.layer.tag}.tmp-XXXXXXXX"
        req = BuildRequest(layer=lp.layer, files=lp.files, site=plan.profile.name, root=plan.root, tmp_name=tmp,
                           log=lp.paths.log, jobs=opts.jobs, rebuild=opts.rebuild,
                           fakeroot=plan.profile.container.fakeroot)
        out.append(f"# {lp.layer.kind}: build {lp.layer.tag} ({lp.reason}), key {lp.key[:16]}")
        if plan.engine.fmt == "singularity":
            out.append(f"# definition: {plan.engine.definition_path(req)}  "  # type: ignore[attr-defined]
                       f"(= envkit render --site {plan.profile.name} --layer {lp.layer.kind})")
        out += [cmd.shell() for cmd in plan.engine.build_commands(req)]
        test = plan.engine.test_command(req)
        if test is not None:
            out.append(test.shell())
        out.append(f"# then: move {plan.engine.image_path(plan.root, tmp).name} over {Path(lp.image).name}")
    import shlex

    argv = plan.engine.exec_argv(plan.top.image, EXEC_EXAMPLE, binds=plan.binds(), gpu=plan.gpu)
    out.append("# run it:")
    out.append(" ".join(shlex.quote(a) for a in argv))
    return out

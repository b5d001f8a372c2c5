"""Build a site's layers in order, each only when its inputs changed; atomic, locked, with a manifest.

The plan (envkit.pipeline.plan), the manifest (envkit.pipeline.layer_manifest) and the dry-run text
(envkit.pipeline.dryrun) have their own modules; this one runs the builds.

For each layer (base, site, then workload if asked):
  key = envkit.store.cache.layer_key(rendered files, parent's key, copied files, engine+version)
  up to date  <=> its record holds that key and its image exists: no engine call at all
  otherwise   under the layer's lock: build NAME.tmp-XXXX, run the layer's test in it, read the
              manifest from inside it, drop the old record, swap the image in, write record+manifest.

Example:
    >>> opts = BuildOptions(site="hal", dry_run=True)
    >>> [p.layer.tag for p in plan_build(opts).layers]  # doctest: +ELLIPSIS
    ['envkit-base-ppc64le-cuda11.2-...', 'envkit-hal']
"""

from __future__ import annotations

import json
import secrets
import time

from envkit.engines.base import BuildRequest, Engine
from envkit.errors import EnvkitError
from envkit.pipeline.dryrun import EXEC_EXAMPLE, dry_run_lines
from envkit.pipeline.layer_manifest import layer_manifest, now_utc, rendered_hash
from envkit.pipeline.plan import BuildOptions, BuildPlan, LayerPlan, build_request, needs_build, plan_build
from envkit.pipeline.progress import Reporter, SilentReporter
from envkit.store.cache import drop_record, write_record

__all__ = ["EXEC_EXAMPLE", "BuildOptions", "BuildPlan", "LayerPlan", "dry_run_lines", "plan_build", "rendered_hash",
           "run_build"]


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
    from envkit.store.filelock import FileLock

    engine, root = plan.engine, plan.root
    with FileLock(lp.paths.lock, on_wait=reporter.line):
        if force:
            reason = "--rebuild" if opts.rebuild else "parent rebuilt"
        else:
            needs, reason = needs_build(engine, lp.paths, lp.key, False, False)
            if not needs:          # another build finished it while we waited for the lock
                lp.status = "up to date"
                reporter.layer_done(lp)
                return
        lp.reason = reason
        for stale in engine.stale_images(root, lp.layer.tag):
            engine.discard(root, stale)
        tmp = f"{lp.layer.tag}.tmp-{secrets.token_hex(4)}"
        req = build_request(plan, lp, opts, tmp)
        root.mkdir(parents=True, exist_ok=True)
        lp.paths.log.write_text(f"# envkit build {lp.layer.tag} ({lp.layer.kind} layer, {reason}) "
                                f"{now_utc()}\n# key {lp.key}\n")
        lp.status = "building"
        reporter.layer_start(lp)
        started = time.monotonic()
        try:
            _engine_build(engine, req, reporter)
            _test(engine, req, reporter)
            manifest = layer_manifest(plan, lp, engine.inspect(str(engine.image_path(root, tmp))))
            text = json.dumps(manifest, indent=2, sort_keys=True) + "\n"
            from envkit.store.image_manifest import IMAGE_MANIFEST

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

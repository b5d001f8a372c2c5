"""`envkit build --dry-run`: the exact commands a build would run, layer by layer, then how to run the image.

Example:
    >>> from envkit.pipeline.plan import BuildOptions, plan_build
    >>> opts = BuildOptions(site="hal", dry_run=True, store=Path("/store"))
    >>> dry_run_lines(plan_build(opts), opts)[2]  # doctest: +ELLIPSIS
    '# definition: /store/singularity/defs/envkit-base-ppc64le-cuda11.2-...def  (= envkit render --site hal ...)'
"""

from __future__ import annotations

import shlex
from pathlib import Path

from envkit.pipeline.plan import BuildOptions, BuildPlan, build_request

EXEC_EXAMPLE = ["python3", "-c", "import torch, mpi4py; print('torch', torch.__version__)"]


def dry_run_lines(plan: BuildPlan, opts: BuildOptions) -> list[str]:
    """The exact commands a build would run, layer by layer, then how to run the image."""
    out = [f"# site {plan.profile.name}, engine {plan.engine.name} {plan.engine_version}, store {plan.root}"]
    for lp in plan.layers:
        if not lp.needs_build:
            out.append(f"# {lp.layer.kind}: {lp.layer.tag} is up to date")
            continue
        tmp = f"{lp.layer.tag}.tmp-XXXXXXXX"
        req = build_request(plan, lp, opts, tmp)
        out.append(f"# {lp.layer.kind}: build {lp.layer.tag} ({lp.reason}), key {lp.key[:16]}")
        definition = plan.engine.definition_path(req)
        if definition is not None:
            out.append(f"# definition: {definition}  "
                       f"(= envkit render --site {plan.profile.name} --layer {lp.layer.kind})")
        out += [cmd.shell() for cmd in plan.engine.build_commands(req)]
        test = plan.engine.test_command(req)
        if test is not None:
            out.append(test.shell())
        out.append(f"# then: move {plan.engine.image_path(plan.root, tmp).name} over {Path(lp.image).name}")
    argv = plan.engine.exec_argv(plan.top.image, EXEC_EXAMPLE, binds=plan.binds(), gpu=plan.gpu)
    out.append("# run it:")
    out.append(" ".join(shlex.quote(a) for a in argv))
    return out

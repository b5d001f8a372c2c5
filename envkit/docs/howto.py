"""Sections about using the site: how to build the image and how to run each workload.

Run lines are read from the launch model (`envkit.launch.run.compose`, the function `envkit run` and
`envkit submit` call), never rebuilt here: each line is what `envkit run --dry-run` prints for the same
site, workload and node count, less the run id (without one the runner names the run itself).

Example:
    >>> from envkit.profile import load_profile
    >>> from envkit.docs.context import doc_context
    >>> s = run(doc_context(load_profile("summit")))
    >>> s.commands[2].line.startswith("jsrun --smpiargs=-gpu")
    True
"""

from __future__ import annotations

import shlex

from envkit.docs.context import DocContext, engine_name
from envkit.docs.model import DocCommand, DocSection, Fact
from envkit.errors import EnvkitError
from envkit.launch import shown
from envkit.launch.run import RunRequest, compose, container_for, rendezvous
from envkit.recipe.layers import site_tag, workload_tag
from envkit.registry import LAUNCHERS

DEFAULT_WORKLOADS = ("aigw", "resnet50", "aides")
CLI = "envkit CLI"


def workloads() -> list[tuple[str, str]]:
    """(name, description) of the bundled workloads; the three defaults when none has a workload.yaml."""
    from envkit.recipe.workload_spec import list_workloads, load_workload_spec

    names = list_workloads()
    if not names:
        return [(name, "") for name in DEFAULT_WORKLOADS]
    out: list[tuple[str, str]] = []
    for name in names:
        try:
            out.append((name, load_workload_spec(name).description))
        except EnvkitError:
            out.append((name, ""))
    return out


def image_file(ctx: DocContext, tag: str) -> str:
    """The image a tag is stored as: `<tag>.sif` for Apptainer/Singularity, the tag for Charliecloud."""
    return ctx.image_file(tag)


def build(ctx: DocContext) -> DocSection:
    """`envkit build`, the definitions it renders, the engine's build lines and the site's note."""
    p = ctx.profile
    site = p.name
    cmds = [
        DocCommand("Build the base, site and workload images", f"envkit build --site {shlex.quote(site)}", CLI),
        DocCommand("Write the definition of each layer, to read or build by hand",
                f"envkit render --site {shlex.quote(site)} --layer base -o base.def && \\\n  "
                f"envkit render --site {shlex.quote(site)} --layer site -o site.def", CLI),
    ]
    engine = ctx.engine
    if engine.builder is not None:   # an engine that only runs images: its builder builds, then an import
        tag = workload_tag(p, "<workload>")
        cmds[0] = DocCommand(f"Build the images with {engine_name(engine.builder)} ({engine.display_name} only runs "
                             "them)", f"envkit build --site {shlex.quote(site)} --engine {engine.builder}", CLI)
        cmds.append(DocCommand(f"Bring a workload image into {engine.display_name}", engine.import_hint() if
                               engine.import_line is None else engine.import_line.format(
                                   image=image_file(ctx, tag), tag=tag), f"envkit/engines/{engine.name}"))
    for layer, tag in (("base", ctx.base_tag), ("site", site_tag(p))):
        argv = engine.build_argv(f"{layer}.def", image_file(ctx, tag), fakeroot=p.container.fakeroot)
        if argv is not None:
            cmds.append(DocCommand(f"The engine's build line for the {layer} layer", shlex.join(argv),
                                   f"{ctx.src('container')}; envkit/engines"))
    if engine.fmt == "singularity" and not p.container.fakeroot:
        cmds += podman_route(ctx)
    facts = [Fact("Build on", f"a {p.cpu.arch} machine (the image must match the nodes' CPU)", ctx.src("cpu"))]
    if p.container.build_note:
        facts.append(Fact("Site build note", p.container.build_note, ctx.src("container")))
    return DocSection("build", "Build the image", facts=tuple(facts), commands=tuple(cmds),
                   intro=f"Images are built in three layers with {engine_name(engine.builder or engine.name)}: "
                         f"{ctx.base_tag} -> {site_tag(p)} -> {workload_tag(p, '<workload>')}.")


def podman_route(ctx: DocContext) -> list[DocCommand]:
    """Without --fakeroot: build the Docker form with Podman, save it, convert it (the OLCF Summit route)."""
    p = ctx.profile
    site, tag = shlex.quote(p.name), site_tag(p)
    src = "[read: olcf-user-docs containers_on_summit] podman build, podman save, apptainer build docker-archive://"
    lines = [
        f"envkit render --site {site} --layer base --format docker -o podman/base/Dockerfile",
        f"podman build -t {ctx.base_tag} podman/base",
        f"envkit render --site {site} --layer site --format docker -o podman/site/Dockerfile",
        f"podman build -t {tag} podman/site",
        f"podman save -o {tag}.tar {tag}",
        f"{ctx.engine.binary} build {image_file(ctx, tag)} docker-archive://{tag}.tar",
    ]
    return [DocCommand("Without fakeroot: build with Podman and convert", " && \\\n  ".join(lines), src,
                    note="Each Docker layer starts FROM its parent's tag, so build them in this order.")]


def run(ctx: DocContext) -> DocSection:
    """For each workload: the launch line on one GPU and across nodes."""
    p = ctx.profile
    nodes = min(2, p.nodes.count)
    per_node = p.tasks_per_node
    unit = "GPU" if ctx.gpu else "rank"
    src = f"{ctx.src('launcher')}; envkit/launch and the {p.container.engine} engine's exec argv"
    cmds: list[DocCommand] = [DocCommand(
        "With envkit (builds the image first if it is missing or stale)",
        shlex.join(["envkit", "run", "--site", p.name, "workloads/aigw", "--nodes", str(nodes), "--",
                    "--preset", "paper"]), "envkit/commands/run_cmd.py",
        note="envkit run --dry-run prints the launcher line it will use; the lines below are what it runs "
             "(less the run id), with the images in your store ($ENVKIT_STORE, else $XDG_DATA_HOME/envkit, "
             "else ~/.local/share/envkit) and the results under ./results of the folder you run in.")]
    if p.scheduler.kind != "none":
        cmds.append(DocCommand(
            "As a batch job (writes the job script, submits it, records the job under results/RUN_ID)",
            shlex.join(["envkit", "submit", "--site", p.name, "workloads/aigw", "--nodes", str(nodes), "--",
                        "--preset", "paper"]) + "\n" + "envkit jobs && envkit results", "envkit/commands/submit_cmd.py",
            note="envkit submit --dry-run prints the job script; the launch line in it is the one below."
                 + (" torchrun across nodes runs this way: the script reads the rendezvous host (the allocation's "
                    "first node) when the job starts and starts one torchrun per node."
                    if LAUNCHERS.get(p.launcher.kind).rendezvous and nodes > 1 else "")))
    for name, description in workloads():
        container = container_for(p, name, store=shown.STORE)
        one = compose(p, RunRequest(site=p.name, workload=name, np=1, results=shown.RESULTS), container)
        cmds.append(DocCommand(f"{name} on one {unit}", shown.shell_line(one), src, note=description))
        if nodes > 1 and LAUNCHERS.get(p.launcher.kind).rendezvous and rendezvous() is None:
            continue  # torchrun across nodes needs the allocation's first host: only known inside a job
        many = compose(p, RunRequest(site=p.name, workload=name, nodes=nodes, results=shown.RESULTS), container)
        cmds.append(DocCommand(f"{name} on {nodes} node(s) x {per_node} {unit}s", shown.shell_line(many), src))
    facts = (
        Fact("Launcher", f"{p.launcher.kind} {' '.join(p.launcher.args)}".strip(), ctx.src("launcher")),
        Fact("Ranks per node", str(per_node) if p.defaults.tasks_per_node else f"{per_node} (one per GPU)"
             if ctx.gpu else "1", f"{ctx.site_file} defaults.tasks_per_node" if p.defaults.tasks_per_node
             else ctx.src("gpu")),
        Fact("Workload images", ctx.workload_images, "envkit/recipe/layers.py"),
    )
    where = "Run these inside a job allocation (see Scheduler)." if p.scheduler.kind != "none" else \
        "No batch system: run these directly."
    per = "one rank per GPU" if ctx.gpu else "the ranks"
    return DocSection("run", "Run the workloads", facts=facts, commands=tuple(cmds),
                   intro=f"{where} The launcher starts {per}; each rank runs the workload inside its image.")

"""Sections that answer tickets: known issues, what to send, interactive sessions, binding data, extending the
image, getting it without building. Every command is spelt for the site's engine and scheduler.

Example:
    >>> from envkit.profile import load_profile
    >>> from envkit.docs.context import doc_context
    >>> ctx = doc_context(load_profile("hal"))
    >>> ids = [i.id for i in known_issues(ctx).issues]
    >>> "nv-files-missing" in ids, "summit-cuda-hook" in ids, "lsf-run-limit" in ids
    (True, False, False)
    >>> extend(ctx).commands[0].line.splitlines()[:2]
    ['Bootstrap: localimage', 'From: envkit-hal.sif']
"""

from __future__ import annotations

import shlex

from envkit.docs.context import DocContext, scheduler_name
from envkit.docs.howto import OLCF_CONTAINERS
from envkit.docs.model import DocCommand, DocSection, IssueEntry
from envkit.knownissues import KnownIssue, load_catalog
from envkit.knownissues.model import CATEGORY_TITLES
from envkit.paths import VENV

CLI = "envkit CLI"
APPTAINER_DOCS = "https://apptainer.org/docs/user/latest"
PODMAN_BUILD = "https://docs.podman.io/en/latest/markdown/podman-build.1.html"
ORDER = tuple(CATEGORY_TITLES)


def site_facts(ctx: DocContext) -> dict[str, str]:
    """The keys a known issue's `when` is matched against."""
    p = ctx.profile
    return {"scheduler": p.scheduler.kind, "launcher": p.launcher.kind, "engine": p.container.engine,
            "mpi": p.mpi.vendor, "transport": p.interconnect.transport, "gpu": p.gpu.vendor}


def _entry(issue: KnownIssue, ctx: DocContext) -> IssueEntry:
    p = ctx.profile
    site_fixes = tuple(text for _where, text in issue.fix_for(site=p.name, engine=p.container.engine,
                                                              launcher=p.launcher.kind, scheduler=p.scheduler.kind))
    def here(text: str) -> str:   # the data says `--site SITE`; a site's page names the site
        return text.replace("--site SITE", f"--site {p.name}")

    return IssueEntry(id=issue.id, title=issue.title, message=issue.messages[0], cause=issue.cause,
                      fix=here(issue.fixes.default), site_fixes=tuple(map(here, site_fixes)),
                      ask=tuple(map(here, issue.ask)), source=issue.source)


def known_issues(ctx: DocContext) -> DocSection:
    """The known issues that can happen at this site, grouped by area, each headed by its literal message."""
    facts = site_facts(ctx)
    issues = sorted((i for i in load_catalog() if i.applies(facts)), key=lambda i: ORDER.index(i.category))
    return DocSection(
        "known-issues", "Known issues", issues=tuple(_entry(i, ctx) for i in issues),
        intro="Each entry is headed by the message users see. Paste a whole job log into `envkit explain LOG` "
              f"(or `... 2>&1 | envkit explain - --site {ctx.profile.name}`) to find every one of them at once.")


def ticket(ctx: DocContext) -> DocSection:
    """What to send with a ticket, and the command that gathers it."""
    site = shlex.quote(ctx.profile.name)
    cmds = (DocCommand("Gather everything in one archive (secrets redacted), on the node that failed",
                       f"envkit doctor --site {site} --bundle ticket.tar.gz --log results/RUN_ID", CLI,
                       note="versions, the profile and its hash, the image manifest and lock hash, doctor's checks, "
                            "host facts (OS, driver, nvidia-smi, fi_info, ucx_info, /dev/shm, ulimits), the job's "
                            "SLURM_/PBS_/LSB_ and NCCL_/FI_/UCX_ variables, module list and the log's tail."),
            DocCommand("Check the log against the known issues first", "envkit explain results/RUN_ID/job.log", CLI))
    notes = ("The job script you submitted and the job ID.",
             "The complete stdout and stderr of the job (not only the last lines).",
             "`module list` and the exact commands you ran, in order.",
             "For a hang or slow run: a rerun on 2 nodes with `NCCL_DEBUG=INFO`.",
             "Attach `ticket.tar.gz`; look inside it first (`tar tzf ticket.tar.gz`) if your logs may hold "
             "private data.")
    return DocSection("ticket", "What to send with a ticket", commands=cmds, notes=notes)


def interactive(ctx: DocContext) -> DocSection:
    """How to get a shell on a compute node: the site's own command, then the scheduler's."""
    p = ctx.profile
    s = p.scheduler
    src = ctx.src("scheduler")
    image = ctx.site_image
    shell = shlex.join(ctx.engine.exec_argv(image, ["bash"], gpu=ctx.gpu))
    cmds = [DocCommand("The site's own command", line, src) for line in s.interactive]
    gpus = p.gpu.per_node if ctx.gpu else 0
    if s.kind == "slurm":
        req = [f"--account={s.account}" if s.account else "", f"--partition={s.partition}" if s.partition else "",
               f"--gres=gpu:{p.launcher.gres_type + ':' if p.launcher.gres_type else ''}{gpus}" if gpus else ""]
        cmds.append(DocCommand("Slurm: allocate one node, then a shell on it",
                               " ".join(["salloc --nodes=1 --time=01:00:00", *filter(None, req)]) +
                               "\nsrun --pty bash", "https://slurm.schedmd.com/salloc.html"))
    elif s.kind == "lsf":
        cmds.append(DocCommand("LSF: an interactive job on one node",
                               f"bsub -Is -nnodes 1 -W 0:30 -P {s.account or 'PROJECT'} /bin/bash",
                               "https://www.ibm.com/docs/en/SSWRJV_10.1.0/lsf_command_ref/bsub.__is.1.html"))
    elif s.kind == "pbs":
        cmds.append(DocCommand("PBS: an interactive job on one node",
                               f"qsub -I -l select=1 -l walltime=01:00:00 -A {s.account or 'PROJECT'}"
                               + (f" -q {s.queue}" if s.queue else ""),
                               "https://github.com/openpbs/openpbs/blob/master/doc/man1/qsub.1B"))
    cmds.append(DocCommand("Then a shell inside the image", shell, f"{ctx.src('container')}; envkit/engines"))
    intro = (f"Build, debug and try things on a compute node, never on the login node ({scheduler_name(s.kind)})."
             if s.kind != "none" else "No batch system: open a shell inside the image directly.")
    return DocSection("interactive", "Interactive sessions", intro=intro, commands=tuple(cmds))


def bind(ctx: DocContext) -> DocSection:
    """Bind your data folder into the container and point the runner at it."""
    p = ctx.profile
    image = ctx.site_image
    data = "/path/to/your/data"
    argv = ctx.engine.exec_argv(image, ["ls", "/data"], binds=[f"{data}:/data"], gpu=False)
    line = shlex.join(argv)
    inside = (p.binds[0].split(":")[1] if ":" in p.binds[0] else p.binds[0]) + "/you/data" if p.binds else None
    cmds = [DocCommand("Look at your data from inside the image", line, f"{APPTAINER_DOCS}/bind_paths_and_mounts.html"
                       if ctx.engine.name != "charliecloud" else "https://hpc.github.io/charliecloud/ch-run.html")]
    if inside:
        line = shlex.join(["envkit", "run", "--site", p.name, "workloads/aigw", "--", "--data", inside])
        cmds.append(DocCommand("Train on data under a folder the site binds", line, "envkit/commands/run_cmd.py"))
    notes = (f"envkit run binds the profile's folders on every run: {', '.join(p.binds) or 'none at this site'}; "
             "data elsewhere needs a --bind as above, or a profile of your own that `extends:` this one and adds "
             "it to container.binds.",
             "A folder that does not exist on the compute node fails the start (known issue bind-source-missing).",
             "Bind read-only with `:ro` (e.g. `/data:/data:ro`); write results under a bound scratch folder.")
    return DocSection("bind", "Bind your data", commands=tuple(cmds), notes=notes,
                      intro="The image sees only the folders bound into it. Bind your dataset at a fixed path.")


def extend(ctx: DocContext) -> DocSection:
    """Your own image on the site's: a definition file from the site image, or the base clone for admins."""
    p = ctx.profile
    site_image = ctx.site_image
    build = getattr(ctx.engine, "build_argv", None)
    if ctx.engine.name in ("apptainer", "singularity"):
        definition = (f"Bootstrap: localimage\nFrom: {site_image}\n\n%post\n"
                      f"    {VENV}/bin/pip install --no-cache-dir my-package==1.2.3\n\n"
                      "%environment\n    export PYTHONNOUSERSITE=1")
        src = f"{APPTAINER_DOCS}/definition_files.html"
    else:
        definition = (f"FROM {site_image}\nRUN {VENV}/bin/pip install --no-cache-dir my-package==1.2.3\n"
                      "ENV PYTHONNOUSERSITE=1")
        src = "https://hpc.github.io/charliecloud/ch-image.html" if ctx.engine.name == "charliecloud" else PODMAN_BUILD
    name = "my.def" if ctx.engine.name in ("apptainer", "singularity") else "Dockerfile"
    cmds = [DocCommand(f"{name}: the site image plus your packages", definition, src,
                       note="Build on the site layer, not the base: the site layer sets the MPI and library paths "
                            "(LD_LIBRARY_PATH) the runs need.")]
    if ctx.engine.name == "charliecloud":
        cmds.append(DocCommand("Build it (unprivileged)", "ch-image build -t my-image -f Dockerfile .", src))
    elif ctx.engine.name not in ("apptainer", "singularity"):
        cmds.append(DocCommand("Build it with Podman", "podman build -t my-image -f Dockerfile .", src,
                               note=f"then bring it into {ctx.engine.display_name} the way Build the image shows"
                               if getattr(ctx.engine, "builder", None) else ""))
    elif build is not None and p.container.fakeroot and build("my.def", "my.sif", fakeroot=True) is not None:
        cmds.append(DocCommand("Build it", shlex.join(build("my.def", "my.sif", fakeroot=True)),
                               f"{ctx.src('container')}; envkit/engines"))
    elif build is not None and ctx.engine.name in ("apptainer", "singularity"):
        cmds.append(DocCommand("Build it without fakeroot: the Dockerfile form with Podman, then convert",
                               f"podman build --net=host -t my-image -f Dockerfile .\npodman save -o my-image.tar "
                               f"my-image\n{ctx.engine.binary} build my.sif docker-archive://my-image.tar",
                               f"[read: {OLCF_CONTAINERS}] podman build --net=host, podman save, "
                               "apptainer build docker-archive://",
                               note=f"The Dockerfile starts `FROM` the site image loaded into Podman "
                                    f"(`podman load -i` the archive of {site_image}'s Docker form)."))
    cmds.append(DocCommand("Admins: your own maintained base, then point the site at it",
                           "envkit base clone my-base --from envkit-base\n"
                           f"# then in site-profiles/{p.name}.yaml: base: my-base\nenvkit build --site {p.name}", CLI))
    notes = ("PYTHONNOUSERSITE=1 keeps packages from your ~/.local out of the image's Python.",
             f"Install with the image's pip ({VENV}/bin/pip), not the host's; pin versions.")
    return DocSection("extend", "Extend the image", commands=tuple(cmds), notes=notes,
                      intro=f"Add your own Python packages on top of {site_image}, the image the run lines use.")


def get_image(ctx: DocContext) -> DocSection:
    """The image as one file, pulled or copied, checked and run, spelt for the site's engine."""
    site = ctx.profile.name
    sif = f"envkit-{site}.sif"
    lines = [f"envkit export --site {site} --format sif",
             f"envkit push REGISTRY/envkit/{site}:sif --file {sif}"]
    binary = ctx.engine.binary if ctx.engine.name in ("apptainer", "singularity") else "apptainer"
    lines += [f"{binary} pull {sif} oras://REGISTRY/envkit/{site}:sif", f"sha256sum --check {sif}.sha256",
              f"envkit verify {sif}", f"{binary} exec {sif} python3 -c 'import torch, mpi4py, horovod'"]
    note = "" if ctx.engine.name in ("apptainer", "singularity") else \
        "This site runs Charliecloud: pull and run the SIF where Apptainer is installed; here `envkit build` builds it."
    return DocSection("get-the-image", "Get the image without building it", commands=(DocCommand(
        "Export, push, pull, check and run", "\n".join(lines),
        f"envkit docs/portable-images.md; {APPTAINER_DOCS}/docker_and_oci.html", note=note),),
        intro="The image is one file: a SIF that envkit assembles without Apptainer or root, with its sha256 and "
              "SBOM beside it.")

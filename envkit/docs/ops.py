"""The modules to load and the batch system: account, partition or queue, walltime, a script header.

Account, partition and queue are the profile's placeholders (ACCOUNT,
PROJECT): a user replaces them with their own allocation.

Example:
    >>> from envkit.profile import load_profile
    >>> from envkit.docs.context import doc_context
    >>> scheduler(doc_context(load_profile("summit"))).commands[0].line.splitlines()[:3]
    ['#!/bin/bash', '#BSUB -J envkit-aigw', '#BSUB -nnodes 2']
"""

from __future__ import annotations

import shlex

from envkit.docs.context import DocContext, scheduler_name
from envkit.docs.model import DocCommand, DocSection, Fact


def modules(ctx: DocContext) -> DocSection:
    """The environment modules a job loads before it starts the container."""
    p = ctx.profile
    src = f"{ctx.site_file} modules"
    if not p.modules:
        return DocSection("modules", "Modules", facts=(Fact("Modules to load", "none", src),),
                       intro="Nothing to load: the image carries the software stack.")
    from envkit.profile.modules import module_words

    words = [module_words(entry) for entry in p.modules]
    if all(w[0] == "load" for w in words):   # plain names: one `module load A B` line, as the centres write it
        line = shlex.join(["module", "load", *(w[1] for w in words)])
    else:
        line = "\n".join(shlex.join(["module", *w]) for w in words)
    return DocSection("modules", "Modules", facts=(Fact("Modules to load", ", ".join(p.modules), src),),
                   commands=(DocCommand("Load them in the job script", line, src),),
                   intro="Host modules a job loads before it starts the container (the launcher, the host MPI).")


def batch_header(ctx: DocContext, nodes: int) -> str:
    """The head of the job script `envkit submit` writes for aigw on `nodes` nodes (the same Scheduler class and
    template), with the profile's placeholders, the run id RUN_ID and the results folder /path/to/results."""
    from envkit.batch.jobs import job_header
    from envkit.launch import shown
    from envkit.launch.run import RunRequest

    p = ctx.profile
    if p.scheduler.kind == "none":
        return ""
    return job_header(p, RunRequest(site=p.name, workload="aigw", nodes=nodes, run_id=shown.RUN_ID,
                                    results=shown.RESULTS))


def scheduler(ctx: DocContext) -> DocSection:
    """Scheduler kind, the placeholders, and a batch-script header."""
    p = ctx.profile
    s = p.scheduler
    src = ctx.src("scheduler")
    facts = [Fact("Batch system", scheduler_name(s.kind), src)]
    for label, value in (("Account / project", s.account), ("Partition", s.partition), ("Queue", s.queue),
                         ("Walltime limit", s.walltime)):
        if value:
            facts.append(Fact(label, value, src))
    nodes = min(2, p.nodes.count)
    header = batch_header(ctx, nodes)
    cmds = (DocCommand("Batch script header", header, f"{src}; envkit/schedulers/",
                    note=f"What envkit submit --dry-run prints first for aigw on {nodes} node(s). By hand: replace "
                         "the account placeholder with your allocation and /path/to/results/RUN_ID with the "
                         "run's folder."),) if header else ()
    intro = "Replace placeholders such as ACCOUNT or PROJECT with your own allocation." if header else \
        "No batch system: run the launch lines directly."
    return DocSection("scheduler", "Scheduler", facts=tuple(facts), commands=cmds, intro=intro)

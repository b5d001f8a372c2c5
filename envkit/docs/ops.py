"""The modules to load and the batch system: account, partition or queue, walltime, a script header.

Account, partition and queue are the profile's placeholders (ACCOUNT,
PROJECT): a user replaces them with their own allocation.

Example:
    >>> from envkit.profile import load_profile
    >>> from envkit.docs.context import doc_context
    >>> scheduler(doc_context(load_profile("summit"))).commands[0].line.splitlines()[0]
    '#BSUB -P PROJECT'
"""

from __future__ import annotations

import shlex

from envkit.docs.context import SCHEDULER_NAMES, DocContext
from envkit.docs.model import DocCommand, DocSection, Fact


def modules(ctx: DocContext) -> DocSection:
    """The environment modules a job loads before it starts the container."""
    p = ctx.profile
    src = f"{ctx.site_file} modules"
    if not p.modules:
        return DocSection("modules", "Modules", facts=(Fact("Modules to load", "none", src),),
                       intro="Nothing to load: the image carries the software stack.")
    line = shlex.join(["module", "load", *p.modules])
    return DocSection("modules", "Modules", facts=(Fact("Modules to load", ", ".join(p.modules), src),),
                   commands=(DocCommand("Load them in the job script", line, src),),
                   intro="Host modules a job loads before it starts the container (the launcher, the host MPI).")


BATCH_DIRECTIVES = {
    # kind: (prefix, account, its placeholder, partition (slurm) or queue, nodes, walltime)
    "slurm": ("#SBATCH", "--account={}", "ACCOUNT", "--partition={}", "--nodes={}", "--time={}"),
    "lsf": ("#BSUB", "-P {}", "PROJECT", "-q {}", "-nnodes {}", "-W {}"),
    "pbs": ("#PBS", "-A {}", "ACCOUNT", "-q {}", "-l select={}", "-l walltime={}"),
}


def batch_header(ctx: DocContext, nodes: int) -> str:
    """The first lines of a batch script for `nodes` nodes, with the profile's placeholders."""
    s = ctx.profile.scheduler
    if s.kind not in BATCH_DIRECTIVES:
        return ""
    prefix, account, placeholder, where, count, walltime = BATCH_DIRECTIVES[s.kind]
    queue = s.partition if s.kind == "slurm" else s.queue
    lines = [account.format(s.account or placeholder), where.format(queue) if queue else None,
             count.format(nodes), walltime.format(s.walltime) if s.walltime else None]
    return "\n".join(f"{prefix} {line}" for line in lines if line)


def scheduler(ctx: DocContext) -> DocSection:
    """Scheduler kind, the placeholders, and a batch-script header."""
    p = ctx.profile
    s = p.scheduler
    src = ctx.src("scheduler")
    facts = [Fact("Batch system", SCHEDULER_NAMES[s.kind], src)]
    for label, value in (("Account / project", s.account), ("Partition", s.partition), ("Queue", s.queue),
                         ("Walltime limit", s.walltime)):
        if value:
            facts.append(Fact(label, value, src))
    header = batch_header(ctx, min(2, p.nodes.count))
    cmds = (DocCommand("Batch script header", header, src,
                    note="Replace the account placeholder with your allocation."),) if header else ()
    intro = "Replace placeholders such as ACCOUNT or PROJECT with your own allocation." if header else \
        "No batch system: run the launch lines directly."
    return DocSection("scheduler", "Scheduler", facts=tuple(facts), commands=cmds, intro=intro)

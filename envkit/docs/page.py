"""Assemble a site's page from its profile: every section, in reading order.

Example:
    >>> from envkit.profile import load_profile
    >>> doc = build_doc(load_profile("summit"))
    >>> [s.anchor for s in doc.sections][:3]
    ['system', 'gpu', 'mpi']
"""

from __future__ import annotations

from envkit.docs.context import MPI_NAMES, doc_context, engine_name
from envkit.docs.horovod import horovod
from envkit.docs.howto import build, run
from envkit.docs.model import SiteDoc
from envkit.docs.ops import modules, scheduler
from envkit.docs.system import architecture, container, gpu_cuda, gpu_summary, mpi
from envkit.docs.troubleshoot import troubleshooting
from envkit.profile.model import Profile


def build_doc(profile: Profile) -> SiteDoc:
    """The help-desk page for one validated profile."""
    ctx = doc_context(profile)
    p = profile
    image_cuda = ctx.platform.cuda if ctx.platform and ctx.platform.cuda else (p.cuda.toolkit if p.cuda else None)
    cuda = "" if not p.cuda else f", CUDA {image_cuda}" + (f" in the image (the site's {p.cuda.toolkit})"
                                                           if image_cuda != p.cuda.toolkit else "")
    summary = (f"{p.cpu.arch}, {gpu_summary(ctx)}{cuda}, {MPI_NAMES[p.mpi.vendor]} {p.mpi.version}, "
               f"{p.launcher.kind}, {engine_name(p.container.engine)} {p.container.version}.")
    builders = (architecture, gpu_cuda, mpi, container, build, run, horovod, modules, scheduler, troubleshooting)
    warnings = (f"No maintained base image for this site yet: {ctx.base_error}",) if ctx.base_error else ()
    return SiteDoc(site=p.name, title=p.title, center=p.center, status=p.status, summary=summary,
                   profile_hash=ctx.profile_hash, sections=tuple(b(ctx) for b in builders), warnings=warnings)

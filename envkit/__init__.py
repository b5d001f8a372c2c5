"""envkit: container-first, reproducible environments for AI on HPC sites.

Data flows one way: site profile (YAML) -> validated model -> recipe (Jinja2) ->
engine build -> launch -> workload -> results.

Example:
    >>> from envkit.profile import load_profile
    >>> load_profile("local").cpu.arch
    'x86_64'
"""

__version__ = "0.1.0"

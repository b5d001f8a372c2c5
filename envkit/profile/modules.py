"""A profile's `modules:` entries as the `module` commands a job script runs.

A bare name is loaded (`cray-mpich-abi` -> `module load cray-mpich-abi`); an entry may start with one of the
verbs Lmod and Environment Modules document (`use DIR`, `unload NAME`, `swap OLD NEW`, `purge`, `reset`:
https://lmod.readthedocs.io/en/latest/010_user.html). The words come back separately so that each is
shell-quoted where it is written.

Example:
    >>> module_words("cray-mpich-abi")
    ['load', 'cray-mpich-abi']
    >>> module_words("use /soft/modulefiles")
    ['use', '/soft/modulefiles']
    >>> module_words("reset")
    ['reset']
"""

from __future__ import annotations

VERBS = ("load", "unload", "use", "swap", "switch", "purge", "reset")


def module_words(entry: str) -> list[str]:
    """The arguments of `module` for one `modules:` entry (a validated profile's, envkit.profile.fields)."""
    words = entry.split()
    return words if words and words[0] in VERBS else ["load", *words]

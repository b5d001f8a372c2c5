"""Values a profile may spell correctly but must not hold: they hand the host or the job to whoever wrote it.

Profiles are shared (`extends:`, ENVKIT_PROFILE_PATH), so a profile is someone else's input. The
field patterns (envkit.profile.fields) keep shell syntax out; this module refuses values that are
well-formed yet dangerous or impossible, each with a one-line reason:

* loader and shell start-up variables in `defaults.env` (LD_PRELOAD runs code in every process of
  every rank; BASH_ENV/ENV run a file in every shell; PATH/PYTHONPATH pick which programs and
  modules run) unless `defaults.env_allow` names the variable with a reason;
* binds of a system folder itself (`/`, `/etc`, `/usr`...) from the host or over the image's, and
  read-write (`:rw`) binds into a system folder;
* an `mpi.root` that is a system folder (install: host copies the whole tree into the image);
* a `base:` that is a path (`a/../../etc/x` would read any .yaml file);
* `launcher.cpus_per_task` or `defaults.tasks_per_node` above the node's hardware threads.

Example:
    >>> dangerous_env_name("LD_PRELOAD"), dangerous_env_name("OMP_NUM_THREADS")
    (True, False)
    >>> bind_problem("/etc:/etc:rw")
    'binds the system folder /etc (bind a folder below it, read-only)'
    >>> bind_problem("/scratch") is None
    True
"""

from __future__ import annotations

import posixpath
import re
from typing import Any

# Variables that make a loader, a shell or an interpreter run something other than what the image holds.
DANGEROUS_ENV = frozenset({
    "BASH_ENV", "ENV", "SHELLOPTS", "BASHOPTS", "PS4", "PROMPT_COMMAND", "IFS", "CDPATH", "GLOBIGNORE",
    "PATH", "PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "PYTHONINSPECT", "PYTHONUSERBASE",
    "PERL5LIB", "PERL5OPT", "PERLLIB", "RUBYLIB", "RUBYOPT", "NODE_OPTIONS", "GCONV_PATH", "HOSTALIASES",
    "LOCPATH", "NLSPATH", "TMPDIR", "HOME",
})
DANGEROUS_ENV_PREFIXES = ("LD_", "DYLD_", "BASH_FUNC_", "APPTAINERENV_", "SINGULARITYENV_", "APPTAINER_",
                          "SINGULARITY_")
# Folders of the operating system: never bound whole, never written through a bind.
SYSTEM_FOLDERS = frozenset({
    "/", "/bin", "/boot", "/dev", "/etc", "/lib", "/lib32", "/lib64", "/libx32", "/proc", "/root", "/run",
    "/sbin", "/sys", "/usr", "/var", "/usr/bin", "/usr/lib", "/usr/lib64", "/usr/sbin", "/usr/local",
})
# Read-write binds may not land anywhere under these.
NO_RW_UNDER = ("/bin", "/boot", "/dev", "/etc", "/lib", "/lib32", "/lib64", "/libx32", "/proc", "/root",
               "/sbin", "/sys", "/usr")


def dangerous_env_name(name: str) -> bool:
    """True for a variable that changes which code runs (loader, shell start-up, interpreter paths)."""
    return name in DANGEROUS_ENV or name.startswith(DANGEROUS_ENV_PREFIXES)


def _under(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def bind_problem(spec: str) -> str | None:
    """Why a bind (`/src`, `/src:/dst`, `/src:/dst:ro|rw`) is refused, or None when it is fine."""
    parts = spec.split(":")
    src = posixpath.normpath(parts[0]) if parts[0] else parts[0]
    dst = posixpath.normpath(parts[1]) if len(parts) > 1 and parts[1] else src
    mode = parts[2] if len(parts) > 2 else "ro-default"
    for side in (src, dst):
        if side.startswith("//"):
            side = "/" + side.lstrip("/")
        if side in SYSTEM_FOLDERS:
            return f"binds the system folder {side} (bind a folder below it, read-only)"
    if mode == "rw":
        for side in (src, dst):
            hit = next((f for f in NO_RW_UNDER if _under(side, f)), None)
            if hit:
                return f"binds {side} read-write inside the system folder {hit} (use :ro, or a folder outside it)"
    return None


def root_problem(root: str) -> str | None:
    """Why an mpi.root is refused: a system folder would copy (or walk) a whole host tree."""
    path = posixpath.normpath(root)
    if path in SYSTEM_FOLDERS or path in ("/home", "/tmp", "/opt", "/mnt", "/srv"):
        return f"{path} is a whole system folder, not an MPI prefix (expected e.g. /opt/ibm/spectrum_mpi)"
    return None


class Refusal(ValueError):
    """A dangerous value, with the key path (relative to the profile) it sits at."""

    def __init__(self, message: str, *key_path: str) -> None:
        super().__init__(message)
        self.key_path = key_path


def check_profile(p: Any) -> None:
    """Raise Refusal (a ValueError that names its key) for the first dangerous value in a profile."""
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,62}", p.base):
        raise Refusal(f"base {p.base[:70]!r} is not a base name (lower-case letters, digits and dashes: "
                      "a file in bases/, not a path)", "base")
    allowed = dict(getattr(p.defaults, "env_allow", {}) or {})
    for name in p.defaults.env:
        if dangerous_env_name(name) and name not in allowed:
            raise Refusal(f"{name} changes which code runs in every rank; refused unless "
                          f"defaults.env_allow names it with a reason (e.g. env_allow: {{{name}: \"why\"}})",
                          "defaults", "env", name)
    for name in allowed:
        if name not in p.defaults.env:
            raise Refusal(f"env_allow names {name}, which defaults.env does not set", "defaults", "env_allow", name)
    for section, key, binds in (("container", "binds", p.container.binds), ("mpi", "bind_paths", p.mpi.bind_paths)):
        for i, spec in enumerate(binds):
            why = bind_problem(spec)
            if why:
                raise Refusal(f"{spec!r} {why}", section, key, str(i))
    if p.mpi.root:
        why = root_problem(p.mpi.root)
        if why:
            raise Refusal(why, "mpi", "root")
    threads = p.cpu.cores_per_node * p.cpu.threads_per_core
    if p.launcher.cpus_per_task and p.launcher.cpus_per_task > threads:
        raise Refusal(f"cpus_per_task {p.launcher.cpus_per_task} is more than a node has "
                      f"({p.cpu.cores_per_node} cores x {p.cpu.threads_per_core} threads = {threads})",
                      "launcher", "cpus_per_task")
    if p.defaults.tasks_per_node and p.defaults.tasks_per_node > threads:
        raise Refusal(f"tasks_per_node {p.defaults.tasks_per_node} is more than a node's {threads} "
                      "hardware threads", "defaults", "tasks_per_node")
    if p.launcher.cpus_per_task and p.launcher.cpus_per_task * p.tasks_per_node > threads:
        raise Refusal(f"cpus_per_task {p.launcher.cpus_per_task} x {p.tasks_per_node} ranks per node is more "
                      f"than the node's {threads} hardware threads", "launcher", "cpus_per_task")


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
* `launcher.cpus_per_task` or `defaults.tasks_per_node` above the node's hardware threads;
* `launcher.args` and `scheduler.directives` that change what runs or where output goes: preload,
  prolog/epilog, pre/post-exec, environment export, output/input/working-folder paths, launch agents
  (REFUSED_LAUNCHER_OPTIONS, REFUSED_DIRECTIVES: data keyed by launcher/scheduler kind), and any
  argument that assigns a loader or shell variable (`LD_PRELOAD=...` inside `--smpiargs` too);
* `defaults.env` values holding the separator of the option they land in (srun's
  `--export=ALL,K=V,...` splits at commas, so `1,LD_PRELOAD=x` would add a variable).

Example:
    >>> dangerous_env_name("LD_PRELOAD"), dangerous_env_name("OMP_NUM_THREADS")
    (True, False)
    >>> bind_problem("/etc:/etc:rw")
    'binds the system folder /etc (bind a folder below it, read-only)'
    >>> bind_problem("/scratch") is None
    True
    >>> launcher_arg_problem("mpirun", "-x"), launcher_arg_problem("srun", "--mpi=pmix")
    ('sets environment variables in every rank (-x)', None)
    >>> directive_problem("lsf", "-E 'touch F'")
    'runs a pre-execution command (-E)'
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


# Launcher options a profile may not pass, by launcher kind: each changes which code runs in the ranks, the
# environment they start with, or where files are written. Sources: srun(1), mpirun(1) (Open MPI 4/5),
# MPICH Hydra's `mpiexec -help`, jsrun(1) (IBM Spectrum LSF), PALS mpiexec(1), torchrun --help.
_ENV = "sets environment variables in every rank"
_OUT = "chooses where output or input files go"
_RUNS = "runs a program of its own choosing"
REFUSED_LAUNCHER_OPTIONS: dict[str, dict[str, str]] = {
    "srun": {"--prolog": _RUNS, "--epilog": _RUNS, "--task-prolog": _RUNS, "--task-epilog": _RUNS,
             "--export": _ENV, "--export-file": _ENV, "--output": _OUT, "-o": _OUT, "--error": _OUT, "-e": _OUT,
             "--input": _OUT, "-i": _OUT, "--chdir": _OUT, "-D": _OUT, "--bcast": "copies a program to the nodes",
             "--get-user-env": _ENV},
    "mpirun": {"-x": _ENV, "--x": _ENV, "--mca": "sets MCA parameters (plm_rsh_agent runs a program)",
               "-mca": "sets MCA parameters (plm_rsh_agent runs a program)", "--gmca": _ENV, "-gmca": _ENV,
               "--am": "reads MCA parameters from a file", "-am": "reads MCA parameters from a file",
               "--tune": "reads MCA parameters from a file", "--prefix": _RUNS, "-prefix": _RUNS,
               "--launch-agent": _RUNS, "-launch-agent": _RUNS, "--preload-binary": _RUNS, "-s": _RUNS,
               "--preload-files": _RUNS, "--output-filename": _OUT, "-output-filename": _OUT, "--wdir": _OUT,
               "-wdir": _OUT, "--path": _RUNS, "-path": _RUNS, "--app": _RUNS, "--env": _ENV},
    "mpiexec": {"-env": _ENV, "-genv": _ENV, "-envlist": _ENV, "-genvlist": _ENV, "-genvall": _ENV,
                "-envall": _ENV, "-launcher-exec": _RUNS, "-bootstrap-exec": _RUNS, "-configfile": _RUNS,
                "-wdir": _OUT, "-outfile-pattern": _OUT, "-errfile-pattern": _OUT, "-prepend-pattern": _OUT},
    "mpiexec-pals": {"--env": _ENV, "--envlist": _ENV, "--envall": _ENV, "--wdir": _OUT,
                     "--transfer": "copies a program to the nodes"},
    "jsrun": {"--env": _ENV, "-E": _ENV, "--env_eval": _ENV, "-F": _ENV, "--env_no_propagate": _ENV,
              "--stdio_stdout": _OUT, "-o": _OUT, "--stdio_stderr": _OUT, "-k": _OUT, "--stdio_input": _OUT,
              "-i": _OUT, "--chdir": _OUT, "-h": _OUT, "--pre_post_exec": _RUNS, "--erf_input": _RUNS,
              "-U": _RUNS},
    "torchrun": {"--log-dir": _OUT, "--log_dir": _OUT, "--redirects": _OUT, "--tee": _OUT,
                 "--no-python": _RUNS, "--no_python": _RUNS, "--run-path": _RUNS, "--run_path": _RUNS,
                 "-m": _RUNS, "--module": _RUNS, "--rdzv-backend": "chooses the rendezvous",
                 "--rdzv-endpoint": "chooses the rendezvous"},
}
# Job-script directives a profile may not add, by scheduler kind (envkit writes these itself where needed).
# Sources: sbatch(1), bsub(1) (IBM Spectrum LSF 10.1), qsub(1B) (PBS Professional).
REFUSED_DIRECTIVES: dict[str, dict[str, str]] = {
    "slurm": {"--output": _OUT, "-o": _OUT, "--error": _OUT, "-e": _OUT, "--input": _OUT, "-i": _OUT,
              "--chdir": _OUT, "-D": _OUT, "--export": _ENV, "--export-file": _ENV, "--get-user-env": _ENV,
              "--wrap": _RUNS, "--prolog": _RUNS, "--epilog": _RUNS, "--task-prolog": _RUNS,
              "--task-epilog": _RUNS, "--container": _RUNS, "--bb": "runs burst-buffer stage-in/out",
              "--bbf": "runs burst-buffer stage-in/out"},
    "lsf": {"-E": "runs a pre-execution command", "-Ep": "runs a post-execution command",
            "-o": _OUT, "-oo": _OUT, "-e": _OUT, "-eo": _OUT, "-i": _OUT, "-is": _OUT, "-cwd": _OUT,
            "-env": _ENV, "-L": "chooses the login shell that runs the job", "-f": "copies files",
            "-Zs": "spools a command file", "-outdir": _OUT},
    "pbs": {"-o": _OUT, "-e": _OUT, "-v": _ENV, "-V": _ENV, "-S": "chooses the shell that runs the job",
            "-C": "changes the directive prefix", "-d": _OUT, "-D": _OUT, "-k": _OUT,
            "-W": "sets stage-in/out, depend or sandbox attributes"},
}


def _option_of(arg: str) -> str:
    """`--export=ALL` -> `--export`, `-oFILE` stays `-oFILE` (exact short options are compared)."""
    return arg.split("=", 1)[0]


def _dangerous_assignment(text: str) -> str | None:
    """A loader or shell variable assigned anywhere in `text` (`-x LD_PRELOAD=...`, `--smpiargs=-x BASH_ENV=1`)."""
    for match in re.finditer(r"([A-Za-z_][A-Za-z0-9_]*)=", text):
        if dangerous_env_name(match.group(1)):
            return match.group(1)
    return None


def launcher_arg_problem(kind: str, arg: str) -> str | None:
    """Why a `launcher.args` element is refused for a launcher of `kind`, or None when it is fine."""
    refused = REFUSED_LAUNCHER_OPTIONS.get(kind, {})
    option = _option_of(arg)
    if option in refused:
        return f"{refused[option]} ({option})"
    for short in (o for o in refused if len(o) == 2 and o.startswith("-") and o != "-s"):
        if arg.startswith(short) and len(arg) > 2 and not arg.startswith("--"):
            return f"{refused[short]} ({short})"   # -xLD_PRELOAD=..., -o/tmp/out
    name = _dangerous_assignment(arg)
    if name:
        return f"assigns {name}, which changes which code runs in every rank"
    return None


def directive_problem(kind: str, directive: str) -> str | None:
    """Why a `scheduler.directives` line is refused for a scheduler of `kind`, or None when it is fine."""
    import shlex

    try:
        words = shlex.split(directive)
    except ValueError:
        return "is not one option with its value (unbalanced quotes)"
    refused = REFUSED_DIRECTIVES.get(kind, {})
    for word in words:
        option = _option_of(word)
        if option in refused:
            return f"{refused[option]} ({option})"
        if kind == "slurm":
            for short in (o for o in refused if len(o) == 2):
                if word.startswith(short) and len(word) > 2 and not word.startswith("--"):
                    return f"{refused[short]} ({short})"
    name = _dangerous_assignment(directive)
    if name:
        return f"assigns {name}, which changes which code runs in the job"
    return None


# Characters a defaults.env value may not hold for a launcher, because the launcher splits its option there.
ENV_VALUE_SEPARATORS: dict[str, str] = {"srun": ","}   # srun --export=ALL,K=V,K2=V2


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
    for i, arg in enumerate(p.launcher.args):
        why = launcher_arg_problem(p.launcher.kind, arg)
        if why:
            raise Refusal(f"{arg[:70]!r} {why}; refused in a profile (a shared profile would hand every "
                          "rank to its author)", "launcher", "args", str(i))
    for i, line in enumerate(p.scheduler.directives):
        why = directive_problem(p.scheduler.kind, line)
        if why:
            raise Refusal(f"{line[:70]!r} {why}; refused in a profile (envkit writes the job's output, "
                          "environment and commands itself)", "scheduler", "directives", str(i))
    separator = ENV_VALUE_SEPARATORS.get(p.launcher.kind)
    if separator:
        for name, value in p.defaults.env.items():
            if separator in str(value):
                raise Refusal(f"the value of {name} holds {separator!r}, which {p.launcher.kind} reads as the "
                              "start of another variable (--export=ALL,K=V,...)", "defaults", "env", name)
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


"""`envkit doctor --bundle FILE`: one tar.gz a help desk can read, bounded in size, secrets redacted.

Members (under `envkit-ticket/`): `README.txt` (what is inside and what was skipped), `envkit.txt` (version,
Python, command), `profile.yaml` and `profile-hash.txt`, `image-manifest.json` and `lock-hash.txt`,
`doctor.json`, `host/*.txt` (OS, kernel, driver and `nvidia-smi -q` / `topo -m` when present, `fi_info`,
`ucx_info`, `/dev/shm`, ulimits, `module list`), `env.txt` (SLURM_*, PBS_*, LSB_*, NCCL_*, FI_*, UCX_* and a
few more), `logs/*.tail` (the end of each run log). Every text is redacted (envkit.ticket.redact) and cut to
MEMBER_LIMIT bytes; the archive stops growing at TOTAL_LIMIT. A command that is missing or fails leaves a
one-line note instead of output. The archive is written under a temporary name and renamed.

Example:
    >>> sorted(env_facts({"SLURM_JOB_ID": "7", "HOME": "/h", "NCCL_DEBUG": "INFO"}).splitlines())
    ['NCCL_DEBUG=INFO', 'SLURM_JOB_ID=7']
"""

from __future__ import annotations

import io
import json
import os
import platform
import shutil
import subprocess
import sys
import tarfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from envkit.errors import EnvkitError
from envkit.fsutil import atomic_path
from envkit.profile.model import Profile
from envkit.ticket.redact import redact

ROOT = "envkit-ticket"
MEMBER_LIMIT = 256 * 1024
TOTAL_LIMIT = 4 * 1024 * 1024
LOG_TAIL = 64 * 1024
COMMAND_TIMEOUT = 20
ENV_PREFIXES = ("SLURM_", "PBS_", "LSB_", "LSF_", "NCCL_", "FI_", "UCX_", "OMPI_", "PMIX_", "MPICH_", "CUDA_",
                "APPTAINER", "SINGULARITY", "TORCH_", "ENVKIT_")
ENV_NAMES = ("LD_LIBRARY_PATH", "PATH", "MASTER_ADDR", "MASTER_PORT", "WORLD_SIZE", "LOCAL_RANK", "RANK",
             "LOADEDMODULES", "HOSTNAME")
HOST_COMMANDS: tuple[tuple[str, list[str]], ...] = (
    ("os-release", ["cat", "/etc/os-release"]),
    ("uname", ["uname", "-a"]),
    ("nvidia-smi-q", ["nvidia-smi", "-q"]),
    ("nvidia-smi-topo", ["nvidia-smi", "topo", "-m"]),
    ("fi_info", ["fi_info", "-l"]),
    ("ucx_info", ["ucx_info", "-v"]),
    ("dev-shm", ["df", "-h", "/dev/shm"]),
    ("ulimits", ["bash", "-c", "ulimit -a"]),
    ("module-list", ["bash", "-lc", "module list 2>&1"]),
)


@dataclass
class Written:
    """What write_bundle wrote: the archive, its size, its members and how many secrets it redacted."""

    path: Path
    size: int = 0
    members: list[str] = field(default_factory=list)
    redactions: int = 0


def env_facts(environ: Mapping[str, str]) -> str:
    """The scheduler, fabric, NCCL and MPI variables of an environment, one NAME=value a line, sorted."""
    keep = {k: v for k, v in environ.items() if k.startswith(ENV_PREFIXES) or k in ENV_NAMES}
    return "".join(f"{k}={v}\n" for k, v in sorted(keep.items()))


def run_text(argv: list[str]) -> str:
    """A command's stdout and stderr, or a one-line note saying why there is none."""
    if shutil.which(argv[0]) is None:
        return f"skipped: {argv[0]} not found on PATH\n"
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=COMMAND_TIMEOUT, errors="replace",
                              stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return f"skipped: {' '.join(argv)} did not finish in {COMMAND_TIMEOUT} s\n"
    except OSError as exc:
        return f"skipped: {' '.join(argv)}: {exc.strerror or exc}\n"
    text = proc.stdout + proc.stderr
    return text if proc.returncode == 0 else f"(exit {proc.returncode})\n{text}"


def tail(path: Path, limit: int = LOG_TAIL) -> str:
    """The last `limit` bytes of a file (a note when it cannot be read)."""
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            fh.seek(max(0, size - limit))
            data = fh.read(limit)
    except OSError as exc:
        return f"skipped: {path}: {exc.strerror or exc}\n"
    cut = f"[first {size - limit} bytes left out]\n" if size > limit else ""
    return cut + data.decode("utf-8", errors="replace")


def default_logs(results: Path = Path("results")) -> list[Path]:
    """The newest run's job.log under ./results (none when there is no run)."""
    runs = sorted((p for p in results.glob("*/job.log") if p.is_file()), key=lambda p: p.stat().st_mtime)
    return runs[-1:]


def log_files(logs: list[Path]) -> list[Path]:
    """Each --log as a file (a run folder means its job.log)."""
    return [p / "job.log" if p.is_dir() else p for p in logs]


def profile_files(profile: Profile) -> tuple[str, str]:
    """The profile's YAML text and its hash."""
    from envkit.profile.load import find_profile, profile_hash

    try:
        text = find_profile(profile.name).read_text(errors="replace")
    except (OSError, EnvkitError) as exc:
        text = f"skipped: profile file not readable: {exc}\n"
    return text, profile_hash(profile) + "\n"


def lock_hash(site: str) -> str:
    """The site's lock digest (what a rebuild installs), or a note."""
    from envkit.lock.files import load_site_lock

    try:
        lock = load_site_lock(site)
    except EnvkitError as exc:
        return f"skipped: {exc}\n"
    return (lock.digest() + "\n") if lock else f"no lock for site {site} (envkit lock --site {site})\n"


def members(profile: Profile, checks: dict[str, Any], manifest: dict[str, Any] | None,
            logs: list[Path], environ: Mapping[str, str]) -> list[tuple[str, str]]:
    """(name, text) of every member, in the order they are written."""
    import envkit

    profile_text, hash_text = profile_files(profile)
    out = [
        ("envkit.txt", f"envkit {envkit.__version__}\nPython {sys.version.split()[0]}\n"
                       f"platform {platform.platform()}\ncommand {' '.join(sys.argv)}\n"
                       f"written {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}\n"),
        ("profile.yaml", profile_text),
        ("profile-hash.txt", hash_text),
        ("image-manifest.json", json.dumps(manifest, indent=2, sort_keys=True) + "\n" if manifest is not None
         else f"skipped: no image built for site {profile.name} (envkit build --site {profile.name})\n"),
        ("lock-hash.txt", lock_hash(profile.name)),
        ("doctor.json", json.dumps(checks, indent=2) + "\n"),
        ("env.txt", env_facts(environ)),
    ]
    out += [(f"host/{name}.txt", run_text(argv)) for name, argv in HOST_COMMANDS]
    for i, log in enumerate(log_files(logs)):
        out.append((f"logs/{i:02d}-{log.parent.name or 'log'}-{log.name}.tail", tail(log)))
    return out


def write_bundle(target: Path, profile: Profile, checks: dict[str, Any], manifest: dict[str, Any] | None,
                 logs: list[Path], environ: Mapping[str, str] | None = None) -> Written:
    """Write the ticket archive to `target` (atomically); returns what was written."""
    environ = os.environ if environ is None else environ
    if target.exists() and not target.is_file():
        raise EnvkitError("--bundle must name a file", file=str(target))
    written = Written(path=target)
    notes: list[str] = []
    total = 0
    try:
        with atomic_path(target, mode=0o600) as tmp, tarfile.open(tmp, "w:gz") as tar:
            for name, text in members(profile, checks, manifest, logs or default_logs(), environ):
                clean, n = redact(text)
                data = clean.encode()
                if len(data) > MEMBER_LIMIT:
                    data = b"[cut to the last %d bytes]\n" % MEMBER_LIMIT + data[-MEMBER_LIMIT:]
                if total + len(data) > TOTAL_LIMIT:
                    notes.append(f"left out {name}: the archive reached {TOTAL_LIMIT} bytes")
                    continue
                _add(tar, name, data)
                total += len(data)
                written.redactions += n
                written.members.append(f"{ROOT}/{name}")
            readme = ("What this archive holds: envkit doctor --bundle (envkit/ticket/bundle.py).\n"
                      f"{written.redactions} secret value(s) were replaced by [REDACTED].\n" + "".join(
                          f"{n}\n" for n in notes))
            _add(tar, "README.txt", readme.encode())
            written.members.append(f"{ROOT}/README.txt")
    except OSError as exc:
        raise EnvkitError(f"cannot write the bundle: {exc.strerror or exc}", file=str(target)) from None
    written.size = target.stat().st_size
    return written


def _add(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(f"{ROOT}/{name}")
    info.size, info.mode, info.mtime = len(data), 0o600, int(time.time())
    tar.addfile(info, io.BytesIO(data))

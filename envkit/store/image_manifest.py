"""What is inside an image, read from inside it: the manifest, and drift against it.

The probe is a Python script run in the image (`python3 -c PROBE`) that prints one
JSON object: OS release, Python, every installed distribution (what `pip freeze`
lists), every dpkg package, torch/CUDA/cuDNN/NCCL, MPI, Horovod's build flags.

Example:
    >>> old = {"python": "3.11.2", "pip": {"tqdm": "4.67.1"}, "dpkg": {}}
    >>> new = {"python": "3.11.2", "pip": {"tqdm": "4.0.0"}, "dpkg": {}}
    >>> drift(old, new)
    ['pip package tqdm: 4.67.1 -> 4.0.0']
"""

from __future__ import annotations

import json
from typing import Any

from envkit.paths import manifest_file

IMAGE_MANIFEST = manifest_file("envkit-manifest.json")
MARKER = "ENVKIT-PROBE-JSON:"

PROBE = r'''
import json, os, platform, subprocess, sys
def run(*argv):
    try:
        return subprocess.run(list(argv), capture_output=True, text=True, timeout=300).stdout.strip()
    except Exception as exc:
        return ""
out = {"arch": platform.machine(), "python": platform.python_version(), "python_executable": sys.executable}
try:
    with open("/etc/os-release") as f:
        rel = dict(l.rstrip("\n").split("=", 1) for l in f if "=" in l)
    keep = ("ID", "VERSION_ID", "PRETTY_NAME", "VERSION_CODENAME")
    out["os"] = {k.lower(): v.strip('"') for k, v in rel.items() if k in keep}
except OSError:
    out["os"] = {}
try:
    from importlib import metadata
    out["pip"] = {d.metadata["Name"].lower().replace("_", "-"): d.version
                  for d in metadata.distributions() if d.metadata["Name"]}
except Exception:
    out["pip"] = {}
lines = run("dpkg-query", "-W", "-f", "${Package}\t${Version}\n")
out["dpkg"] = dict(l.split("\t", 1) for l in lines.splitlines() if "\t" in l)
try:
    import torch
    t = {"version": torch.__version__, "cuda": torch.version.cuda}
    try:
        t["cudnn"] = torch.backends.cudnn.version()
    except Exception:
        t["cudnn"] = None
    try:
        t["nccl"] = ".".join(map(str, torch.cuda.nccl.version())) if torch.version.cuda else None
    except Exception:
        t["nccl"] = None
    out["torch"] = t
except Exception as exc:
    out["torch"] = {"error": type(exc).__name__}
mpi = run("mpirun", "--version").splitlines()
out["mpi"] = {"mpirun": mpi[0] if mpi else ""}
try:
    from mpi4py import MPI
    out["mpi"]["library"] = MPI.Get_library_version().splitlines()[0].strip()
    out["mpi"]["mpi4py"] = __import__("mpi4py").__version__
except Exception:
    pass
out["horovod"] = run("horovodrun", "--check-build")
for name in ("profile-hash.txt", "base-name.txt", "lock-hash.txt"):
    try:
        with open("/opt/envkit/manifest/" + name) as f:
            out[name.rsplit(".", 1)[0].replace("-", "_")] = f.read().strip()
    except OSError:
        pass
print("ENVKIT-PROBE-JSON:" + json.dumps(out, sort_keys=True))
'''


def probe_command() -> list[str]:
    """The command to run inside an image; its output holds the probe JSON."""
    return ["python3", "-c", PROBE]


def parse_probe(output: str) -> dict[str, Any]:
    """The probe's JSON from its output, or {} when the probe did not run."""
    for line in reversed(output.splitlines()):
        if line.startswith(MARKER):
            return json.loads(line[len(MARKER):])
    return {}


def mpi_version(text: str) -> str | None:
    """'mpirun (Open MPI) 4.1.4' -> '4.1.4'; Spectrum MPI, MPICH, Intel MPI alike."""
    import re

    match = re.search(r"(\d+\.\d+(?:\.\d+)*)", text or "")
    return match.group(1) if match else None


def mpi_vendor(text: str) -> str | None:
    """Which MPI a version line names (`mpirun --version`, `mpichversion`, `module list cray-mpich`, or the
    library's own MPI_Get_library_version): openmpi, spectrum, cray-mpich, mvapich2, intel, mpich.

    Example:
        >>> mpi_vendor("MPICH Version:\t4.0.2"), mpi_vendor("cray-mpich/8.1.27"), mpi_vendor("Open MPI v4.1.4, ...")
        ('mpich', 'cray-mpich', 'openmpi')
    """
    low = (text or "").lower()
    for needle, vendor in (("spectrum", "spectrum"), ("open mpi", "openmpi"), ("openrte", "openmpi"),
                           ("cray-mpich", "cray-mpich"), ("cray mpich", "cray-mpich"), ("mvapich", "mvapich2"),
                           ("intel", "intel"), ("hydra", "mpich"), ("mpich", "mpich")):
        if needle in low:
            return vendor
    return None


def check_build(text: str) -> dict[str, list[str]]:
    """`horovodrun --check-build` -> {"frameworks": [...], "controllers": [...], "tensor_operations": [...]}.

    Example:
        >>> check_build("Available Frameworks:\\n    [ ] TensorFlow\\n    [X] PyTorch\\n")
        {'frameworks': ['PyTorch']}
    """
    out: dict[str, list[str]] = {}
    section = None
    for line in (text or "").splitlines():
        if line.startswith("Available "):
            section = line[len("Available "):].rstrip(":").strip().lower().replace(" ", "_")
            out[section] = []
        elif section and line.strip().startswith("[X]"):
            out[section].append(line.strip()[3:].strip())
    return out


def _clean(value: Any) -> Any:
    """Strip NULs and edge blanks from strings (MPI library strings end in a NUL), recursively."""
    if isinstance(value, str):
        return value.replace("\x00", "").strip()
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def summary(manifest: dict[str, Any]) -> dict[str, Any]:
    """The headline facts: OS, Python, torch/CUDA/cuDNN/NCCL, MPI, Horovod, hashes."""
    manifest = _clean(manifest)
    torch = manifest.get("torch") or {}
    mpi = manifest.get("mpi") or {}
    hvd = check_build(manifest.get("horovod") or "")
    return {
        "image": manifest.get("image"),
        "layer": manifest.get("layer"),
        "os": (manifest.get("os") or {}).get("pretty_name"),
        "arch": manifest.get("arch"),
        "python": manifest.get("python"),
        "torch": torch.get("version"),
        "cuda": torch.get("cuda"),
        "cudnn": torch.get("cudnn"),
        "nccl": torch.get("nccl"),
        "mpi": mpi.get("mpirun"),
        "mpi_library": mpi.get("library"),
        "horovod": "; ".join(f"{k.replace('_', ' ')}: {', '.join(v) or '-'}" for k, v in hvd.items()) or None,
        "pip_packages": len(manifest.get("pip") or {}),
        "dpkg_packages": len(manifest.get("dpkg") or {}),
        "recipe_hash": manifest.get("recipe_hash"),
        "profile_hash": manifest.get("profile_hash"),
        "engine": manifest.get("engine"),
        "built_at": manifest.get("built_at"),
    }


def _diff_map(kind: str, old: dict[str, str], new: dict[str, str]) -> list[str]:
    out = []
    for name in sorted(set(old) | set(new)):
        if name not in new:
            out.append(f"{kind} {name}: {old[name]} -> removed")
        elif name not in old:
            out.append(f"{kind} {name}: added {new[name]}")
        elif old[name] != new[name]:
            out.append(f"{kind} {name}: {old[name]} -> {new[name]}")
    return out


def drift(recorded: dict[str, Any], current: dict[str, Any]) -> list[str]:
    """What changed inside the image since the manifest was recorded, one line per item."""
    recorded, current = _clean(recorded), _clean(current)
    out: list[str] = []
    for key in ("arch", "python"):
        if recorded.get(key) != current.get(key):
            out.append(f"{key}: {recorded.get(key)} -> {current.get(key)}")
    if (recorded.get("os") or {}) != (current.get("os") or {}):
        before, after = (recorded.get("os") or {}), (current.get("os") or {})
        out.append(f"os: {before.get('pretty_name')} -> {after.get('pretty_name')}")
    for key in ("torch", "mpi"):
        if (recorded.get(key) or {}) != (current.get(key) or {}):
            out.append(f"{key}: {json.dumps(recorded.get(key), sort_keys=True)} -> "
                       f"{json.dumps(current.get(key), sort_keys=True)}")
    if (recorded.get("horovod") or "") != (current.get("horovod") or ""):
        out.append("horovod build flags changed")
    out += _diff_map("pip package", recorded.get("pip") or {}, current.get("pip") or {})
    out += _diff_map("dpkg package", recorded.get("dpkg") or {}, current.get("dpkg") or {})
    return out


def lock_drift_lines(site: str, layers: list[str], pip: dict[str, str]) -> list[str]:
    """Locked Python packages (of these lock layers) the manifest lacks or holds at another version; Horovod,
    locked with the base, is expected only where `layers` names the Horovod layer ("horovod").

    Example:
        >>> lock_drift_lines("local", ["base"], {})[0].startswith("lock: ")
        True
    """
    from envkit.lock.check import lock_drift
    from envkit.lock.files import installed_pins, load_site_lock

    lock = load_site_lock(site)
    if lock is None:
        return [f"lock: site {site} has no lock (envkit lock --site {site})"]
    locked: dict[str, str] = {}
    for name in layers:
        layer = lock.layers.get(name)
        if layer is not None and layer.resolved:
            locked.update(layer.pins())
    return [f"lock: {line}" for line in lock_drift(installed_pins(locked, horovod="horovod" in layers), pip)]

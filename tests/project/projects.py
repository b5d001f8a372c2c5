"""Test projects written into temporary folders outside the repository: a plain torch.distributed script and
one requirements file of each kind, naming a small pure-Python package the site's base does not hold."""

from __future__ import annotations

from pathlib import Path

PACKAGE = "tabulate"   # pure Python, not in any lock of containers/local/locks (the base lacks it)
SECOND = "termcolor"   # the package a requirements change adds

TRAIN = '''\
import torch
import torch.distributed as dist
import {package}

dist.init_process_group("gloo")
rank, world = dist.get_rank(), dist.get_world_size()
total = torch.tensor([float(rank)])
dist.all_reduce(total)
print(f"rank {{rank}} of {{world}}: sum {{int(total.item())}} {package} {{{package}.__version__}}", flush=True)
dist.destroy_process_group()
'''


def write_project(folder: Path, kind: str, name: str, extra: tuple[str, ...] = ()) -> Path:
    """A project folder with train.py, envkit.yaml (its name) and a requirements file of `kind`:
    requirements.txt, pyproject.toml or environment.yml."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "train.py").write_text(TRAIN.format(package=PACKAGE))
    (folder / "envkit.yaml").write_text(f"name: {name}\n")
    packages = [PACKAGE, *extra]
    if kind == "requirements.txt":
        (folder / kind).write_text("# what train.py needs beyond the site's image\n" + "\n".join(packages) + "\n")
    elif kind == "pyproject.toml":
        deps = ", ".join(f'"{p}"' for p in packages)
        (folder / kind).write_text(f'[project]\nname = "{name}"\nversion = "0.1"\ndependencies = [{deps}]\n')
    elif kind == "environment.yml":
        pip = "".join(f"      - {p}\n" for p in packages)
        (folder / kind).write_text(f"name: {name}\nchannels: [conda-forge]\ndependencies:\n  - python=3.11\n"
                                   f"  - pip\n  - libiconv\n  - pip:\n{pip}")
    else:
        raise ValueError(kind)
    return folder


def rank_lines(stdout: str, prefix: str = "") -> list[str]:
    """What train.py's ranks printed, one entry per rank, sorted (the launcher may merge two ranks' output
    on one line, so the entries are found, not split by line)."""
    import re

    found = re.findall(rf"{prefix}rank (\d+) of (\d+): sum (\d+) (\S+?) (\d+(?:\.\d+)*)", stdout)
    return sorted(f"{prefix}rank {r} of {w}: sum {s} {p} {v}" for r, w, s, p, v in found)

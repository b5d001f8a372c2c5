"""A Slurm + A100 site on CUDA 12.2 / driver 535 works with the shipped bases: the base platform is chosen by
what the driver runs and the torch builds published, not by an exact toolkit match."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from envkit.errors import EnvkitError
from envkit.recipe.bases import load_base

SITE = str(Path(__file__).parent / "profiles" / "slurm-a100-cuda122.yaml")


def _envkit(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "USER": os.environ.get("USER", "root"), "ENVKIT_STORE": "/nonexistent/envkit-store"}
    return subprocess.run([sys.executable, "-m", "envkit.cli", *args], capture_output=True, text=True, env=env,
                          timeout=120)


def test_cuda_122_site_renders_builds_submits_and_documents() -> None:
    render = _envkit("render", "--site", SITE, "--layer", "base")
    assert render.returncode == 0, render.stderr
    assert "From: nvidia/cuda:12.1.1-cudnn8-devel-ubuntu22.04" in render.stdout and "torch==2.1.2" in render.stdout
    build = _envkit("build", "--site", SITE, "--workload", "aigw", "--dry-run")
    assert build.returncode == 0, build.stderr
    submit = _envkit("submit", "--site", SITE, "aigw", "--nodes", "2", "--dry-run")
    assert submit.returncode == 0 and "#SBATCH --nodes=2" in submit.stdout, submit.stderr
    docs = _envkit("docs", "--site", SITE)
    assert docs.returncode == 0 and "| Base image chosen | nvidia/cuda:12.1.1" in docs.stdout
    assert "a driver that runs 12.2 runs 12.1" in docs.stdout
    show = _envkit("site", "show", SITE, "--json")
    assert '"why": "CUDA 12.1 (newest published torch build not newer' in show.stdout


@pytest.mark.parametrize(("cuda", "driver", "chosen"), [
    ("12.2", "535.104.05", "12.1"), ("12.6", "560.28.03", "12.4"), ("12.4", "550.54.15", "12.4"),
    ("12.0", "525.60.13", "12.1"), ("11.8", "520.61.05", "11.7"), ("11.0", "450.80.02", "11.7"),
])
def test_every_cuda_11_and_12_release_gets_a_base(cuda: str, driver: str, chosen: str) -> None:
    platform, why = load_base("envkit-base").choose_platform("x86_64", cuda, driver)
    assert platform.cuda == chosen and why.startswith(f"CUDA {chosen}")


def test_no_minor_version_compatibility_before_cuda_11() -> None:
    with pytest.raises(EnvkitError, match="no image for x86_64 with CUDA 10.1"):
        load_base("envkit-base").choose_platform("x86_64", "10.1", "418.39")

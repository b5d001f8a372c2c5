"""doctor without an image: the checks the profile answers run against it; each one that cannot run says why."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
from envkit_cli import run_inprocess

from envkit.pipeline.doctor import HostFacts, profile_image, run_checks
from envkit.profile import load_profile


def host(**kw) -> HostFacts:  # type: ignore[no-untyped-def]
    base = {"arch": "x86_64", "nvidia_driver": None, "gpus": 0, "mpi": "mpirun (Open MPI) 4.1.4",
            "engine": "singularity", "engine_version": None, "path_exists": lambda p: True}
    return HostFacts(**{**base, **kw})


def test_profile_level_checks_run_without_an_image() -> None:
    by = {f.check: f for f in run_checks(load_profile("hal"), host(), None, "hint")}
    assert by["image"].status == "fail"
    assert by["arch"].status == "fail"
    assert by["arch"].message == "arch mismatch: profile hal is ppc64le, this host is x86_64"
    assert by["mpi"].status == "warn" and "MPI mismatch: host openmpi 4.1.4, profile hal 4.1.1" in by["mpi"].message
    assert by["gpu-driver"].status == "skip" and by["gpu-driver"].message.startswith("skipped: no NVIDIA driver")
    assert by["gpus"].status == "skip" and by["gpus"].message.startswith("skipped: ")


def test_other_series_and_old_driver_fail_from_the_profile() -> None:
    fake = host(arch="ppc64le", mpi="mpirun (Open MPI) 3.1.6", nvidia_driver="418.40.04", gpus=4)
    by = {f.check: f for f in run_checks(load_profile("hal"), fake, None, "hint")}
    assert by["arch"].status == "ok"
    assert by["mpi"].status == "fail" and "3.1.6" in by["mpi"].message and "4.1.1" in by["mpi"].message
    assert by["gpu-driver"].status == "fail" and "418.40.04" in by["gpu-driver"].message
    assert by["gpus"].status == "skip" and "no image" in by["gpus"].message


def test_profile_image_names_what_the_image_will_hold() -> None:
    summit = profile_image(load_profile("summit"))
    assert summit == {"arch": "ppc64le", "torch": {"cuda": "11.7"}, "mpi": {"library": "Spectrum MPI 10.4.0.3"}}


def _host_openmpi() -> str | None:
    if shutil.which("mpirun") is None:
        return None
    out = subprocess.run(["mpirun", "--version"], capture_output=True, text=True, check=False).stdout
    found = re.search(r"Open MPI\)? (\d+\.\d+\.\d+)", out)
    return found.group(1) if found else None


@pytest.mark.skipif(_host_openmpi() in (None, "4.1.1"), reason="needs a host Open MPI other than HAL's 4.1.1")
def test_doctor_hal_on_this_host_names_arch_and_mpi_in_one_line_each() -> None:
    import platform

    result = run_inprocess("doctor", "--site", "hal")
    assert result.code == 1
    lines = result.out.splitlines()
    arch = [ln for ln in lines if "arch mismatch" in ln]
    mpi = [ln for ln in lines if "MPI mismatch" in ln]
    assert len(arch) == 1 and f"this host is {platform.machine()}" in arch[0] and "ppc64le" in arch[0]
    assert len(mpi) == 1 and _host_openmpi() in mpi[0] and "4.1.1" in mpi[0]
    assert all(ln.split()[0] in ("ok", "warn", "fail", "skip") for ln in lines)
    assert all("skipped: " in ln for ln in lines if ln.startswith("skip"))

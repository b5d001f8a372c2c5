"""envkit doctor against fake hosts: each mismatch is a named fail with a fix; a good host passes."""

from __future__ import annotations

from envkit.pipeline.doctor import HostFacts, as_dict, run_checks
from envkit.profile import load_profile

LOCAL_IMAGE = {"image": "envkit-local", "arch": "x86_64", "torch": {"version": "2.14.1", "cuda": None},
               "mpi": {"mpirun": "mpirun (Open MPI) 4.1.4"}}
HAL_IMAGE = {"image": "envkit-hal.sif", "arch": "ppc64le", "torch": {"version": "1.10", "cuda": "11.2"},
             "mpi": {"mpirun": "mpirun (Open MPI) 4.1.1"}}


def host(**kw) -> HostFacts:  # type: ignore[no-untyped-def]
    base = {"arch": "x86_64", "nvidia_driver": None, "gpus": 0, "mpi": "mpirun (Open MPI) 4.1.4",
            "engine": "charliecloud", "engine_version": "0.31", "path_exists": lambda p: True}
    return HostFacts(**{**base, **kw})


def statuses(findings) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {f.check: f.status for f in findings}


def test_good_local_host_passes() -> None:
    findings = run_checks(load_profile("local"), host(), LOCAL_IMAGE, "hint")
    assert set(statuses(findings).values()) == {"ok"}, findings
    assert as_dict(findings, host())["ok"]


def test_driver_too_old_is_a_fail() -> None:
    fake = host(arch="ppc64le", nvidia_driver="418.39", gpus=4, engine="singularity", engine_version="3.6.4",
                mpi="mpirun (Open MPI) 4.1.1")
    findings = run_checks(load_profile("hal"), fake, HAL_IMAGE, "hint", count_in_image=lambda: 4)
    by = {f.check: f for f in findings}
    assert by["gpu-driver"].status == "fail" and "too old for CUDA 11.2" in by["gpu-driver"].message
    assert by["gpu-driver"].fix
    assert by["gpus"].status == "ok"


def test_driver_new_enough_passes_and_minor_compat_warns() -> None:
    hal = load_profile("hal")
    ok = host(arch="ppc64le", nvidia_driver="470.57.02", gpus=4, mpi="mpirun (Open MPI) 4.1.1")
    assert statuses(run_checks(hal, ok, HAL_IMAGE, "h", lambda: 4))["gpu-driver"] == "ok"
    image = {**HAL_IMAGE, "torch": {"cuda": "11.8"}}
    compat = host(arch="ppc64le", nvidia_driver="460.32.03", gpus=4, mpi="mpirun (Open MPI) 4.1.1")
    assert statuses(run_checks(hal, compat, image, "h", lambda: 4))["gpu-driver"] == "warn"


def test_different_arch_is_a_fail() -> None:
    findings = run_checks(load_profile("local"), host(arch="aarch64"), LOCAL_IMAGE, "hint")
    by = {f.check: f for f in findings}
    assert by["arch"].status == "fail" and "image is x86_64, this host is aarch64" in by["arch"].message


def test_mismatched_mpi_is_a_fail() -> None:
    findings = run_checks(load_profile("local"), host(mpi="mpirun (Open MPI) 3.1.6"), LOCAL_IMAGE, "hint")
    by = {f.check: f for f in findings}
    assert by["mpi"].status == "fail" and "3.1.6" in by["mpi"].message and "4.1.4" in by["mpi"].message
    other_vendor = run_checks(load_profile("local"), host(mpi="HYDRA build details: Version: 4.1.2"),
                              LOCAL_IMAGE, "hint")
    assert statuses(other_vendor)["mpi"] == "fail"


def test_spectrum_mpi_needs_10_3_1_in_the_image() -> None:
    summit = load_profile("summit")
    image = {"arch": "ppc64le", "torch": {"cuda": "11.7"}, "mpi": {"mpirun": "mpirun (Open MPI) 4.1.1"}}
    fake = host(arch="ppc64le", nvidia_driver="525.60.13", gpus=6,
                mpi="mpirun (IBM Spectrum MPI) 10.4.0.3")
    assert summit.mpi.model == "hybrid"
    assert statuses(run_checks(summit, fake, image, "hint", lambda: 6))["mpi"] == "fail"
    good = {**image, "mpi": {"mpirun": "mpirun (IBM Spectrum MPI) 10.3.1.2"}}
    assert statuses(run_checks(summit, fake, good, "hint", lambda: 6))["mpi"] == "ok"


def test_missing_engine_missing_image_and_binds() -> None:
    hal = load_profile("hal")
    fake = host(arch="ppc64le", engine="singularity", engine_version=None, path_exists=lambda p: p == "/home")
    findings = run_checks(hal, fake, None, "install SingularityCE")
    by = {f.check: f for f in findings}
    assert by["engine"].status == "fail" and by["engine"].fix == "install SingularityCE"
    assert by["image"].status == "fail" and "envkit build --site hal" in by["image"].fix
    assert by["binds"].status == "fail" and "/projects" in by["binds"].message


def test_gpus_not_visible_through_nv_is_a_fail() -> None:
    fake = host(arch="ppc64le", nvidia_driver="470.57.02", gpus=4, mpi="mpirun (Open MPI) 4.1.1")
    checks = statuses(run_checks(load_profile("hal"), fake, HAL_IMAGE, "h", count_in_image=lambda: 0))
    assert checks["gpus"] == "fail"


def test_mpich_family_host_and_image_share_the_abi() -> None:
    # A Cray MPICH host (module list cray-mpich) over an image with MPICH: the hybrid model Cray sites use.
    mpich_image = {**LOCAL_IMAGE, "mpi": {"mpirun": "", "library": "MPICH Version:\t4.0.2"}}
    cray = host(mpi="cray-mpich/8.1.27")
    assert statuses(run_checks(load_profile("local-mpich"), cray, mpich_image, "hint"))["mpi"] == "ok"
    # An Open MPI host cannot stand in for the image's MPICH, whatever the versions.
    ompi = host(mpi="mpirun (Open MPI) 4.0.2")
    finding = {f.check: f for f in run_checks(load_profile("local-mpich"), ompi, mpich_image, "hint")}["mpi"]
    assert finding.status == "fail" and "openmpi" in finding.message and "mpich" in finding.message


def test_no_host_mpi_names_the_command_that_was_asked() -> None:
    findings = run_checks(load_profile("local-mpich"), host(mpi=None), LOCAL_IMAGE, "hint")
    finding = {f.check: f for f in findings}["mpi"]
    assert finding.status == "warn" and "`mpichversion` answered nothing" in finding.message


def test_host_mpi_line_runs_the_vendors_command() -> None:
    from envkit.pipeline.doctor import host_mpi_line
    from envkit.store.image_manifest import mpi_vendor

    line = host_mpi_line("openmpi")   # Debian's openmpi-bin is installed by scripts/setup.sh
    assert line is not None and mpi_vendor(line) == "openmpi"
    assert host_mpi_line("cray-mpich") is None   # no Cray PE here: no module prints cray-mpich

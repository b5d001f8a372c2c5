"""The real local image, end to end (slow + container): `envkit export --site local` as a SIF and as an OCI
archive, the SIF run under ch-run and the OCI archive loaded by `podman load` and run by Podman (umoci unpack
and ch-run where Podman is missing), each `import torch, mpi4py`; the SBOM against `envkit inspect`.

The image comes from the shared test store ($ENVKIT_TEST_STORE, default /var/tmp/envkit-test-store):
`envkit build --site local` there reuses it (cold: minutes). The exports go to a temporary folder and are
removed after; each step's time goes to the store's test-report.json (export_* keys).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from envkit_cli import envkit_process
from podman_load import load_and_run, podman_usable

from envkit.engines.charliecloud import Charliecloud
from envkit.store.image_manifest import mpi_version

from .conftest import missing_tools
from .test_export_units import APPTAINER_LAYOUT

STORE = Path(os.environ.get("ENVKIT_TEST_STORE", "/var/tmp/envkit-test-store"))
REPORT = STORE / "test-report.json"
IMPORT = "import torch, mpi4py; print('imported torch', torch.__version__)"
APPTAINER_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"   # what a container starts with

pytestmark = [
    pytest.mark.slow, pytest.mark.container,
    pytest.mark.skipif(shutil.which("ch-image") is None or bool(missing_tools()),
                       reason="Charliecloud or the export tools are missing (scripts/setup.sh)"),
]


def envkit(*args: str, timeout: float = 3600, extra: dict[str, str] | None = None,
           ) -> subprocess.CompletedProcess[str]:
    env = {"USER": os.environ.get("USER") or ("root" if os.geteuid() == 0 else str(os.getuid())), **(extra or {})}
    return envkit_process(*args, "--store", str(STORE), env=env, unset=("ENVKIT_PROFILE_PATH",), timeout=timeout)


def _report(**facts: object) -> None:
    data = json.loads(REPORT.read_text()) if REPORT.is_file() else {}
    data.update(facts)
    REPORT.write_text(json.dumps(data, indent=2) + "\n")


def _export(folder: Path, fmt: str, name: str, extra: dict[str, str] | None = None) -> dict:
    started = time.monotonic()
    proc = envkit("export", "--site", "local", "--format", fmt, "-o", str(folder / name), "--json", extra=extra)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout)
    _report(**{f"export_{fmt}_s": round(time.monotonic() - started, 1), f"export_{fmt}_bytes": out["bytes"]})
    return out


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Where the exports go (several GB each; removed after the module)."""
    path = tmp_path_factory.mktemp("local-export")
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="module")
def sif_export(folder: Path) -> dict:
    """`envkit export --site local --format sif` (building the image first when missing), gzip level 1 for
    CI's time (the level changes the size, not the format)."""
    return _export(folder, "sif", "envkit-local.sif",
                   {"ENVKIT_SQUASHFS_LEVEL": os.environ.get("ENVKIT_SQUASHFS_LEVEL", "1")})


@pytest.fixture(scope="module")
def oci_export(folder: Path) -> dict:
    """`envkit export --site local --format oci`."""
    return _export(folder, "oci", "envkit-local.oci.tar")


def test_sif_runs_under_ch_run_with_apptainers_layout(sif_export: dict) -> None:
    from envkit.export.mount import opened

    sif = Path(sif_export["path"])
    listing = subprocess.run(["siftool", "list", str(sif)], capture_output=True, text=True, check=True).stdout
    for kind in ("Def.FILE", "JSON.Labels", "SBOM (spdx-json)", "FS (Squashfs/*System/amd64)"):
        assert kind in listing, listing
    started = time.monotonic()
    proc = Charliecloud().run(str(sif), ["python3", "-c", IMPORT], timeout=900)   # the engine's hook for a file
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "imported torch 2.14.1" in proc.stdout
    with opened(sif, work=sif.parent) as root:
        missing = [p for p in APPTAINER_LAYOUT if not os.path.lexists(root / p)]
        assert not missing, missing
        # as Apptainer starts `exec`: a clean environment, then /.singularity.d/env/*.sh decide PATH and the rest
        proc = subprocess.run(["ch-run", "--unset-env=*", f"--set-env=PATH={APPTAINER_PATH}", str(root), "--",
                               "/.singularity.d/actions/exec", "python3", "-c",
                               f"{IMPORT}; import os; print(os.environ['ENVKIT_SITE'])"],
                              capture_output=True, text=True, timeout=600,
                              env={**os.environ, "USER": os.environ.get("USER", "root")})
        assert proc.returncode == 0, proc.stderr[-2000:]
        assert proc.stdout.split()[-1] == "local"
        labels = json.loads((root / ".singularity.d/labels.json").read_text())
        assert labels["org.envkit.site"] == "local" and labels["org.label-schema.build-arch"] == "amd64"
    _report(export_sif_run_s=round(time.monotonic() - started, 1))


def test_sbom_matches_envkit_inspect(sif_export: dict) -> None:
    from envkit.export.sbom import package_versions, parse_sbom

    sidecar = Path(sif_export["sbom"]).read_text()
    parse_sbom(sidecar)                                         # valid SPDX 2.3 (spdx-tools)
    proc = envkit("inspect", "--site", "local", "--sbom")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == sidecar
    inspected = json.loads(envkit("inspect", "--site", "local", "--json").stdout)
    versions = package_versions(json.loads(sidecar))
    (torch,) = [p for p in json.loads(sidecar)["packages"] if p["SPDXID"] == "SPDXRef-pypi-torch"]
    assert f"torch.__version__ {inspected['torch']}" in torch["comment"]    # 2.14.1+cu130: the build's own
    for name in ("torch", "mpi4py", "numpy"):
        assert versions["pypi"][name] == inspected["manifest"]["pip"][name], name
    assert versions["mpi"] == {"openmpi": mpi_version(inspected["mpi"])}
    assert versions["deb"]["openmpi-bin"] == inspected["manifest"]["dpkg"]["openmpi-bin"]
    from envkit.export.sif import list_objects, read_object

    sif = Path(sif_export["path"])
    (sbom_object,) = [o for o in list_objects(sif) if o.kind.startswith("SBOM")]
    assert read_object(sif, sbom_object).decode() == sidecar             # the SIF carries the same SBOM


def test_oci_archive_config_then_loaded_and_run(oci_export: dict, sif_export: dict) -> None:
    """Last in the module: the SIF (3.6 GB, its tests done) is removed first, since loading the OCI archive
    into Podman's storage unpacks the whole 7 GB image beside the archive."""
    archive = Path(oci_export["path"])
    assert Path(oci_export["sbom"]).read_text() == Path(sif_export["sbom"]).read_text()
    Path(sif_export["path"]).unlink(missing_ok=True)
    config = json.loads(subprocess.run(["skopeo", "inspect", "--config", f"oci-archive:{archive}"],
                                       capture_output=True, text=True, check=True).stdout)
    env = dict(item.split("=", 1) for item in config["config"]["Env"])
    assert env["PATH"].startswith("/opt/envkit/venv/bin:") and env["ENVKIT_SITE"] == "local"
    started = time.monotonic()
    if podman_usable():       # a real OCI engine reads it (envkit's own Podman storage under the test store)
        proc = load_and_run(archive, ["python3", "-c", IMPORT])
        assert proc.returncode == 0 and "imported torch 2.14.1" in proc.stdout, proc.stderr[-2000:]
        _report(export_oci_podman_load_run_s=round(time.monotonic() - started, 1))
        return
    work = archive.parent / "oci-unpack"
    try:
        (work / "layout").mkdir(parents=True)
        subprocess.run(["tar", "-xf", str(archive), "-C", str(work / "layout")], check=True)
        subprocess.run(["nice", "umoci", "unpack", "--rootless", "--image", f"{work / 'layout'}:latest",
                        str(work / "bundle")], check=True, capture_output=True)
        shutil.rmtree(work / "layout")
        proc = Charliecloud().run(str(work / "bundle" / "rootfs"), ["python3", "-c", IMPORT], timeout=600)
        assert proc.returncode == 0, proc.stderr[-2000:]
        assert "imported torch 2.14.1" in proc.stdout
    finally:
        shutil.rmtree(work, ignore_errors=True)
    _report(export_oci_unpack_run_s=round(time.monotonic() - started, 1))

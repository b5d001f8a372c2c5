"""A real push and pull through Debian's docker-registry on loopback (started by the fixture, stopped after):
the SIF comes back with the same sha256, the OCI image is readable from the registry with skopeo."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from envkit_cli import envkit_process

from envkit.export import oci_registry as registry
from envkit.export.artifact import export_source, sha256_file
from envkit.export.source import ImageSource
from envkit.export.verify import verify_artifact

from .conftest import needs_tools

pytestmark = [pytest.mark.slow, needs_tools]
pytest.importorskip("oras", reason="pip install 'envkit[export]'")


def _envkit(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return envkit_process(*args, cwd=cwd)


def test_sif_and_oci_round_trip(loopback_registry: str, tiny_source: ImageSource, tmp_path: Path) -> None:
    sif = export_source(tiny_source, "sif", tmp_path / "tiny.sif")
    oci = export_source(tiny_source, "oci", tmp_path / "tiny.oci.tar")
    ref = f"{loopback_registry}/envkit/tiny"

    proc = _envkit("push", f"{ref}:sif", "--file", str(sif.path), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    manifest = json.loads(subprocess.run(["skopeo", "inspect", "--raw", "--tls-verify=false",
                                          f"docker://{ref}:sif"], capture_output=True, text=True).stdout)
    assert manifest["config"]["mediaType"] == registry.SIF_CONFIG
    assert [layer["mediaType"] for layer in manifest["layers"]] == [registry.SIF_LAYER]
    assert manifest["layers"][0]["digest"] == f"sha256:{sif.sha256}"

    proc = _envkit("pull", f"{ref}:sif", "-o", str(tmp_path / "pulled" / "tiny.sif"), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    pulled = tmp_path / "pulled" / "tiny.sif"
    assert sha256_file(pulled) == sif.sha256
    sbom_manifest = json.loads(subprocess.run(["skopeo", "inspect", "--raw", "--tls-verify=false",
                                               f"docker://{ref}:sif-sbom"], capture_output=True, text=True).stdout)
    assert sbom_manifest["layers"][0]["mediaType"] == registry.SBOM_LAYER

    proc = _envkit("push", f"{ref}:oci", "--file", str(oci.path), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    config = registry.inspect_remote(f"{ref}:oci")
    assert "PATH=/opt/envkit/venv/bin:/usr/bin:/bin" in config["config"]["Env"]
    proc = _envkit("pull", f"{ref}:oci", "-o", str(tmp_path / "pulled" / "tiny.oci.tar"), "--format", "oci",
                   cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    back = tmp_path / "pulled" / "tiny.oci.tar"
    assert json.loads(subprocess.run(["skopeo", "inspect", f"oci-archive:{back}"], capture_output=True,
                                     text=True).stdout)["Layers"] == json.loads(subprocess.run(
        ["skopeo", "inspect", f"oci-archive:{oci.path}"], capture_output=True, text=True).stdout)["Layers"]
    back.with_name(back.name + ".spdx.json").write_text(oci.sbom.read_text())
    assert verify_artifact(back).ok


def test_pull_of_a_missing_image_is_one_line(loopback_registry: str, tmp_path: Path) -> None:
    proc = _envkit("pull", f"{loopback_registry}/envkit/none:sif", "-o", str(tmp_path / "x.sif"), cwd=tmp_path)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1, proc.stderr
    assert not (tmp_path / "x.sif").exists()

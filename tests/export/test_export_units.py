"""Export pieces without external tools: the /.singularity.d/ layout against Apptainer's list, the SBOM,
references, bad input."""

from __future__ import annotations

import json
import subprocess

import pytest
from envkit_cli import envkit_process

from envkit.errors import EnvkitError
from envkit.export.layout import build_layout, pseudo_definitions
from envkit.export.oci_registry import split_ref

from .conftest import BASE_PARTS, MANIFEST, SITE_PARTS

# What Apptainer's build writes, read from its source at commit 05a391e0dc9a95872affd852e7cf04624d0ee0be:
# https://github.com/apptainer/apptainer/blob/05a391e0dc9a95872affd852e7cf04624d0ee0be/internal/pkg/build/sources/base_environment.go
#   makeDirs, makeSymlinks, makeFiles
# https://github.com/apptainer/apptainer/blob/05a391e0dc9a95872affd852e7cf04624d0ee0be/internal/pkg/build/metadata.go
#   insertMetadata: runscript.help (%help), labels.json, Singularity (+ bootstrap_history/ on a parent image),
#   env/90-environment.sh (%environment), runscript, test (%test)
APPTAINER_LAYOUT = sorted([
    ".singularity.d", ".singularity.d/libs", ".singularity.d/actions", ".singularity.d/env",
    "dev", "proc", "root", "var/tmp", "tmp", "etc", "sys", "home",
    "apptainer", ".run", ".exec", ".test", ".shell", "environment",
    "etc/hosts", "etc/resolv.conf",
    ".singularity.d/actions/exec", ".singularity.d/actions/run", ".singularity.d/actions/shell",
    ".singularity.d/actions/start", ".singularity.d/actions/test",
    ".singularity.d/env/01-base.sh", ".singularity.d/env/90-environment.sh", ".singularity.d/env/95-apps.sh",
    ".singularity.d/env/99-base.sh", ".singularity.d/env/99-runtimevars.sh",
    ".singularity.d/runscript", ".singularity.d/startscript",
    ".singularity.d/runscript.help", ".singularity.d/labels.json", ".singularity.d/Singularity",
    ".singularity.d/bootstrap_history", ".singularity.d/bootstrap_history/Apptainer0",
    ".singularity.d/test",
])


def _layout():  # type: ignore[no-untyped-def]
    return build_layout([BASE_PARTS, SITE_PARTS], {"org.envkit.site": "tiny"}, "amd64", "2026-11-29T09:00:00Z", "0.1.0")


def test_layout_is_apptainers() -> None:
    assert _layout().paths() == APPTAINER_LAYOUT


def test_layout_scripts_and_metadata() -> None:
    lay = _layout()
    env = lay.files[".singularity.d/env/90-environment.sh"][1]
    assert env.index("ENVKIT_HOME") < env.index("ENVKIT_SITE")           # base's %environment, then the site's
    assert lay.files[".singularity.d/Singularity"][1] == SITE_PARTS.text
    assert lay.files[".singularity.d/bootstrap_history/Apptainer0"][1] == BASE_PARTS.text
    # %test's body runs to the end of the file, the blank line last included (as Apptainer's parser takes it)
    assert lay.files[".singularity.d/test"] == (0o755, "#!/bin/sh\n\nset -eu\ntrue\n\n\n")
    labels = json.loads(lay.files[".singularity.d/labels.json"][1])
    assert labels["org.envkit.site"] == "tiny"
    assert labels["org.label-schema.usage.singularity.deffile.bootstrap"] == "localimage"
    assert labels["org.label-schema.build-arch"] == "amd64"
    assert labels["org.label-schema.usage"] == "/.singularity.d/runscript.help"
    for path in ("actions/exec", "actions/run", "env/99-base.sh", "runscript"):
        mode, text = lay.files[f".singularity.d/{path}"]
        assert mode == 0o755 and text.startswith("#!/bin/sh\n")
    assert 'exec "$@"' in lay.files[".singularity.d/actions/exec"][1]


def test_layout_from_the_rendered_local_definitions() -> None:
    from envkit.profile import load_profile
    from envkit.recipe.formats import definition_parts, render_layer
    from envkit.recipe.layers import base_layer, site_layer

    profile = load_profile("local")
    defs = [definition_parts(layer, "local") for layer in (base_layer(profile), site_layer(profile))]
    assert defs[-1].text == render_layer(site_layer(profile), "singularity", "local")["site.def"]
    assert defs[-1].header["bootstrap"] == "localimage"
    assert "export ENVKIT_SITE=local" in defs[-1].environment
    lay = build_layout(defs, {}, "amd64", "2026-11-29T09:00:00Z", "0.1.0")
    assert "export ENVKIT_SITE=local" in lay.files[".singularity.d/env/90-environment.sh"][1]
    assert "import torch" in lay.files[".singularity.d/test"][1]


def test_pseudo_definitions_leave_existing_entries(tmp_path) -> None:  # type: ignore[no-untyped-def]
    tree = tmp_path / "tree"
    (tree / "etc").mkdir(parents=True)
    (tree / "etc/hosts").write_text("127.0.0.1 localhost\n")
    staging = tmp_path / "staged"
    staging.mkdir()
    lines = pseudo_definitions(_layout(), tree, staging)
    names = [line.split()[0] for line in lines]
    assert "/etc/hosts" not in names and "/etc" not in names        # the image's own stay as they are
    assert names.index("/var") < names.index("/var/tmp")            # parents first
    assert "/environment s 777 0 0 .singularity.d/env/90-environment.sh" in lines
    exec_line = next(line for line in lines if line.startswith("/.singularity.d/actions/exec "))
    staged = exec_line.split(" cat ", 1)[1]
    assert open(staged).read() == _layout().files[".singularity.d/actions/exec"][1]


def test_sbom_is_spdx_23_with_the_manifest_versions() -> None:
    pytest.importorskip("spdx_tools")
    from envkit.export.sbom import mismatches, package_versions, parse_sbom, sbom_json

    text = sbom_json(MANIFEST)
    parse_sbom(text)                                      # spdx-tools parses and validates it, or raises
    data = json.loads(text)
    assert data["spdxVersion"] == "SPDX-2.3"
    versions = package_versions(data)
    assert versions["pypi"]["torch"] == "2.14.1" and versions["pypi"]["mpi4py"] == "4.1.0"
    assert versions["pypi"]["numpy"] == "2.3.0"
    assert versions["mpi"] == {"openmpi": "4.1.4"}
    assert versions["deb"]["openmpi-bin"] == "4.1.4-3+b1"
    assert mismatches(data, MANIFEST) == []
    assert "profile_hash=5e867c39bf094198" in data["comment"]
    purls = [ref["referenceLocator"] for p in data["packages"] for ref in p.get("externalRefs", [])]
    assert "pkg:pypi/torch@2.14.1" in purls
    (torch,) = [p for p in data["packages"] if p["SPDXID"] == "SPDXRef-pypi-torch"]
    assert torch["comment"] == "torch.__version__ 2.14.1; CUDA none"
    assert sbom_json(MANIFEST) == text                    # a pure function of the manifest


def test_sbom_mismatch_is_reported() -> None:
    pytest.importorskip("spdx_tools")
    from envkit.export.sbom import manifest_versions, mismatches, sbom_json

    data = json.loads(sbom_json(MANIFEST))
    changed = {**MANIFEST, "pip": {**MANIFEST["pip"], "numpy": "2.4.0"}}
    assert mismatches(data, changed) == ["pypi numpy: SBOM 2.3.0, image 2.4.0"]
    assert manifest_versions(changed)["pypi"]["numpy"] == "2.4.0"


def test_sbom_bad_input_is_one_line() -> None:
    pytest.importorskip("spdx_tools")
    from envkit.export.sbom import parse_sbom, sbom_json

    with pytest.raises(EnvkitError, match="built_at"):
        sbom_json({k: v for k, v in MANIFEST.items() if k != "built_at"})
    with pytest.raises(EnvkitError, match="not SPDX JSON|does not validate"):
        parse_sbom('{"spdxVersion": "SPDX-2.3"}')


@pytest.mark.parametrize("ref", ["envkit/local:sif", "", "justaname"])
def test_bad_registry_reference(ref: str) -> None:
    with pytest.raises(EnvkitError, match="HOST"):
        split_ref(ref)


def test_cli_errors_are_one_line(tmp_path) -> None:  # type: ignore[no-untyped-def]
    def envkit(*args: str) -> subprocess.CompletedProcess[str]:
        return envkit_process(*args)

    for args, needle in ((["verify"], "give --site"), (["verify", str(tmp_path / "none.sif")], "does not exist"),
                         (["export", "--site", "local", "--format", "zip"], "--format must be one of"),
                         (["push", "127.0.0.1:1/x:y"], "either --file"),
                         (["pull", "127.0.0.1:1/x:y", "-o", "x", "--format", "zip"], "sif or oci")):
        proc = envkit(*args)
        assert proc.returncode == 2, (args, proc.stderr)
        assert proc.stderr.count("\n") == 1 and needle in proc.stderr, (args, proc.stderr)
    (tmp_path / "junk.sif").write_bytes(b"not an image")
    proc = envkit("verify", str(tmp_path / "junk.sif"))
    assert proc.returncode == 2 and "neither a SIF" in proc.stderr and "Traceback" not in proc.stderr

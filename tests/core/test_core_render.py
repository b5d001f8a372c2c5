"""`envkit render`: every shipped site gives a complete, deterministic definition; spython agrees with its shape."""

from __future__ import annotations

from pathlib import Path

import pytest
from envkit_cli import run_envkit, run_inprocess
from spython.main.parse.parsers import SingularityParser

from envkit.launch import LaunchPlan, launch_argv
from envkit.profile import load_profile, profile_hash
from envkit.recipe.bases import load_base
from envkit.recipe.layers import base_tag
from envkit.recipe.site_files import render_files

from .helpers import AARCH64_SITES, PPC64LE_SITES, SHIPPED_SITES, Definition, labels_of, parse_definition, section_lines

REQUIRED = ("help", "labels", "environment", "post", "test")


def _arch(site: str) -> str:
    return "ppc64le" if site in PPC64LE_SITES else "aarch64" if site in AARCH64_SITES else "x86_64"


def _render(site: str, layer: str = "site", fmt: str = "singularity", workload: str | None = None) -> dict[str, str]:
    return render_files(site, layer, workload, fmt)  # type: ignore[arg-type]


def _definition(site: str, layer: str = "site", workload: str | None = None) -> tuple[str, Definition]:
    (text,) = _render(site, layer, workload=workload).values()
    return text, parse_definition(text)


# --- 1. every site renders a complete definition ------------------------------------------------


@pytest.mark.parametrize("site", SHIPPED_SITES)
def test_render_site_layer_via_cli(site: str) -> None:
    first = run_inprocess("render", "--site", site)
    second = run_inprocess("render", "--site", site)
    assert first.code == 0 and first.err == "", first.err
    assert first.out == second.out  # byte-identical
    defn = parse_definition(first.out)
    assert defn.header == {"Bootstrap": "localimage", "From": f"{base_tag(load_profile(site))}.sif"}
    for section in REQUIRED:
        assert section in defn.sections and section_lines(defn.sections[section]), section
    assert defn.order[:2] == ["help", "labels"] and defn.order[-2:] == ["post", "test"]
    labels = labels_of(defn)
    assert labels["org.envkit.arch"] == _arch(site)
    assert labels["org.envkit.site"] == site
    assert labels["org.envkit.layer"] == "site"
    assert labels["org.envkit.profile-hash"] == profile_hash(load_profile(site))
    assert f"export ENVKIT_SITE={site}" in section_lines(defn.sections["environment"])


def test_renders_are_identical_across_processes_and_hash_seeds() -> None:
    # One subprocess per site, each with its own PYTHONHASHSEED: set or dict ordering would show here.
    for seed, site in enumerate(SHIPPED_SITES):
        result = run_envkit("render", "--site", site, env={"PYTHONHASHSEED": str(seed + 1)})
        assert result.code == 0, result.err
        assert result.out == run_inprocess("render", "--site", site).out, site
        assert "Bootstrap:" in result.out and "%post" in result.out


@pytest.mark.parametrize("site", SHIPPED_SITES)
def test_base_layer_matches_the_site_arch(site: str) -> None:
    profile = load_profile(site)
    text, defn = _definition(site, "base")
    assert text == _definition(site, "base")[0]
    platform = load_base(profile.base).platform_for(profile.cpu.arch, profile.cuda.toolkit if profile.cuda else None,
                                                    rocm=profile.rocm.version if profile.rocm else None)
    assert defn.header == {"Bootstrap": "docker", "From": platform.image}
    for section in REQUIRED:
        assert section_lines(defn.sections[section]), section
    arch = _arch(site)
    assert labels_of(defn)["org.envkit.arch"] == arch
    assert f'test "$(uname -m)" = {arch} ||' in defn.sections["test"]
    cuda = labels_of(defn)["org.envkit.cuda"]
    # the image's CUDA is its base platform's (a 12.2 site runs the 12.1 platform): one CUDA per image
    assert cuda == (str(platform.cuda) if profile.cuda else "none")
    if arch == "ppc64le":
        assert "Miniforge3-24.3.0-0-Linux-ppc64le.sh" in defn.sections["post"]
        assert "-c conda-forge" in defn.sections["post"]  # no ppc64le torch on PyPI
    else:
        assert "ppc64le" not in text


def test_summit_uses_jsrun_with_smpiargs() -> None:
    _, site = _definition("summit")
    post = site.sections["post"]
    assert "kind: jsrun" in post and "- --smpiargs=-gpu" in post  # the profile baked into the image
    assert labels_of(site)["org.envkit.mpi"] == "spectrum-10.4.0.3"
    _, base = _definition("summit", "base")
    assert section_lines(base.sections["files"]) == ["/opt/ibm/spectrum_mpi /opt/ibm/spectrum_mpi"]
    argv = launch_argv(load_profile("summit"), LaunchPlan(nodes=2, tasks_per_node=6, gpus_per_task=1,
                                                         command=("python", "-m", "envkit.train", "aigw")))
    assert argv == ["jsrun", "--smpiargs=-gpu", "-bpacked:7", "-n12", "-r6", "-a1", "-c7", "-g1",
                    "python", "-m", "envkit.train", "aigw"]


def test_bridges_ai_carries_psm2() -> None:
    _, base = _definition("bridges-ai", "base")
    post = section_lines(base.sections["post"])
    install = next(line for line in post if line.startswith("apt-get install"))
    assert "libpsm2-dev" in install.split()
    configure = next(line for line in post if "./configure" in line)
    assert "--with-psm2" in configure.split()
    _, site = _definition("bridges-ai")
    env = section_lines(site.sections["environment"])
    assert "export OMPI_MCA_mtl=psm2" in env and "export OMPI_MCA_pml=cm" in env


@pytest.mark.parametrize("site", [s for s in SHIPPED_SITES if s != "bridges-ai"])
def test_only_omni_path_sites_get_psm2(site: str) -> None:
    _, base = _definition(site, "base")
    assert "psm2" not in base.sections["post"]


@pytest.mark.parametrize("site", ["hal", "local", "summit"])
@pytest.mark.parametrize("layer", ["base", "site"])
def test_docker_format(site: str, layer: str) -> None:
    files = _render(site, layer, "docker")
    assert files == _render(site, layer, "docker")
    names = list(files)
    assert names[0] == "Dockerfile" and len(names) == 3
    docker = files["Dockerfile"].splitlines()
    tag = base_tag(load_profile(site)) if layer == "base" else f"envkit-{site}"
    instructions = [line for line in docker if line and not line.startswith("#")]
    profile = load_profile(site)
    if layer == "base":
        platform = load_base(profile.base).platform_for(profile.cpu.arch,
                                                        profile.cuda.toolkit if profile.cuda else None)
        assert instructions[0] == f"FROM {platform.image}"
    else:
        assert instructions[0] == f"FROM {base_tag(profile)}"
    assert f"COPY {tag}.post.sh {tag}.test.sh /opt/envkit/recipes/" in instructions
    assert instructions[-1] == f'RUN ["/bin/bash", "/opt/envkit/recipes/{tag}.post.sh"]'
    assert f'LABEL org.envkit.arch="{_arch(site)}"' in instructions
    # The Docker form's scripts are the definition's %post and %test, byte for byte.
    _, defn = _definition(site, layer)
    assert files[f"{tag}.post.sh"] + "\n" == defn.sections["post"]
    assert files[f"{tag}.test.sh"] in defn.sections["test"]


def test_render_docker_to_a_folder_writes_the_scripts_beside(tmp_path: Path) -> None:
    result = run_inprocess("render", "--site", "local", "--format", "docker", "-o", str(tmp_path / "Dockerfile"))
    assert result.code == 0, result.err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["Dockerfile", "envkit-local.post.sh", "envkit-local.test.sh"]
    assert "and 2 script(s) beside it" in result.err


def test_render_rejects_a_bad_format_and_layer() -> None:
    bad_format = run_inprocess("render", "--site", "local", "--format", "oci")
    assert bad_format.code == 2 and bad_format.err == "error: --format must be one of singularity, docker, got 'oci'\n"
    bad_layer = run_inprocess("render", "--site", "local", "--layer", "top")
    assert bad_layer.code == 2 and "--layer must be one of base, site, horovod, workload" in bad_layer.err
    no_workload = run_inprocess("render", "--site", "local", "--layer", "workload")
    assert no_workload.code == 2 and "--layer workload needs --workload NAME" in no_workload.err


# --- 2. spython parses what envkit writes -------------------------------------------------------


def _spython(text: str, tmp_path: Path, name: str) -> object:
    path = tmp_path / name
    path.write_text(text)
    (recipe,) = SingularityParser(str(path)).recipe.values()
    return recipe


def _body_after_leading_comments(body: str) -> list[str]:
    """spython files a section's leading comment lines under comments; it keeps the rest, stripped."""
    lines = section_lines(body)
    while lines and lines[0].startswith("#"):
        lines.pop(0)
    return lines


def _check_spython_against_own_parser(recipe: object, defn: Definition) -> None:
    r = recipe
    assert r.fromHeader == defn.header["From"].lower()  # type: ignore[attr-defined]
    # spython keeps %labels and %environment line by line (exports stripped of `export`).
    assert r.labels == section_lines(defn.sections["labels"])  # type: ignore[attr-defined]
    assert r.environ == [line.removeprefix("export").strip()  # type: ignore[attr-defined]
                         for line in section_lines(defn.sections["environment"])]
    # %post becomes its install list; %test is turned into `echo ... >> /tests.sh` lines appended to it.
    post = _body_after_leading_comments(defn.sections["post"])
    test = _body_after_leading_comments(defn.sections["test"])
    install = r.install  # type: ignore[attr-defined]
    assert install[:len(post)] == post
    assert install[len(post):] == [f'echo "{line}" >> /tests.sh' for line in test] + ["chmod u+x /tests.sh"]
    assert r.test == "/bin/bash /tests.sh"  # type: ignore[attr-defined]
    # %files pairs, one per line.
    assert r.files == section_lines(defn.sections.get("files", ""))  # type: ignore[attr-defined]
    # %help is dropped into comments: check it (and the verbatim %test) with our own parser.
    help_lines = section_lines(defn.sections["help"])
    assert len(help_lines) == 1
    assert f"# {help_lines[0]}" in r.comments  # type: ignore[attr-defined]


@pytest.mark.parametrize("site", SHIPPED_SITES)
def test_spython_parses_the_base_layer(site: str, tmp_path: Path) -> None:
    text, defn = _definition(site, "base")
    assert defn.header["Bootstrap"] == "docker"
    _check_spython_against_own_parser(_spython(text, tmp_path, "base.def"), defn)
    assert section_lines(defn.sections["test"])[-1].startswith('test "$(uname -m)" = ')


@pytest.mark.parametrize("site", SHIPPED_SITES)
def test_spython_parses_the_site_layer_with_a_docker_header(site: str, tmp_path: Path) -> None:
    # spython 0.3.14 accepts only `Bootstrap: docker`. Our own parser checks the real header;
    # spython parses a copy whose Bootstrap line (only) is swapped to docker.
    text, defn = _definition(site)
    assert defn.header == {"Bootstrap": "localimage", "From": f"{base_tag(load_profile(site))}.sif"}
    assert text.count("Bootstrap: localimage\n") == 1
    with pytest.raises(NotImplementedError):
        _spython(text, tmp_path, "site-as-is.def")
    swapped = text.replace("Bootstrap: localimage\n", "Bootstrap: docker\n")
    _check_spython_against_own_parser(_spython(swapped, tmp_path, "site.def"), defn)


DEMO_WORKLOAD = """\
name: demo
description: A demo workload for the core tests
dependencies:
  pip: [scipy, "h5py==3.11.0"]
  apt: [libhdf5-dev]
presets:
  smoke: {steps: 1}
"""


def test_spython_parses_a_workload_layer(envkit_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (envkit_home / "workloads" / "demo").mkdir()
    (envkit_home / "workloads" / "demo" / "workload.yaml").write_text(DEMO_WORKLOAD)
    monkeypatch.setenv("ENVKIT_HOME", str(envkit_home))
    text, defn = _definition("hal", "workload", "demo")
    assert defn.header == {"Bootstrap": "localimage", "From": "envkit-hal.sif"}
    assert defn.order == ["help", "labels", "files", "environment", "post", "test", "runscript"]
    assert labels_of(defn)["org.envkit.workload"] == "demo"
    post = section_lines(defn.sections["post"])
    assert "apt-get install -y --no-install-recommends libhdf5-dev" in post
    assert "/opt/envkit/venv/bin/pip install --no-cache-dir /opt/envkit/src scipy h5py==3.11.0" in post
    recipe = _spython(text.replace("Bootstrap: localimage\n", "Bootstrap: docker\n"), tmp_path, "w.def")
    _check_spython_against_own_parser(recipe, defn)
    assert recipe.files == ["pyproject.toml /opt/envkit/src/pyproject.toml", "README.md /opt/envkit/src/README.md",  # type: ignore[attr-defined]
                            "envkit /opt/envkit/src/envkit", "workloads/demo /opt/envkit/workloads/demo"]
    assert recipe.cmd == 'exec python -m envkit.train demo "$@"'  # type: ignore[attr-defined]

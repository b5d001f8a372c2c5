"""AMD GPU sites (issue #21, must-show 5): `envkit docs --site frontier` and `--site lumi` show how to run on their
MI250X GPUs (--rocm, the modules, the RCCL and MIOpen variables, the launch line), every line with the centre page
it follows; a page of an NVIDIA site keeps its CUDA section."""

from __future__ import annotations

import re

import pytest

from envkit.docs.context import doc_context
from envkit.docs.system import gpu_cuda
from envkit.profile import load_profile

CENTRE = {"frontier": ("https://docs.olcf.ornl.gov/", "https://github.com/olcf/olcf_containers_examples/"),
          "lumi": ("https://docs.lumi-supercomputer.eu/", "https://github.com/Lumi-supercomputer/LUMI-AI-Guide/")}
URL = re.compile(r"https://\S+")


@pytest.mark.parametrize("site", sorted(CENTRE))
def test_the_page_shows_how_to_run_on_amd_gpus(envkit_cli, site: str) -> None:
    proc = envkit_cli("docs", "--site", site)
    assert proc.returncode == 0, proc.stderr
    page = proc.stdout
    section = page[page.index("## AMD GPUs: how to run (ROCm)"):]
    section = section[:section.index("\n## ", 5)]
    assert "8 x AMD MI250X 64 GB per node" in section
    assert "exec --rocm " in section and "exec --nv" not in section
    assert "NCCL_SOCKET_IFNAME=" in section and "MIOPEN_USER_DB_PATH=/tmp/envkit-miopen-cache" in section
    assert "aws-ofi-rccl" in section and "download.pytorch.org/whl/rocm6.2" in section
    assert "envkit does not build ROCm images" in section
    assert "srun --nodes=2 --ntasks-per-node=8" in section
    for prefix in CENTRE[site]:   # the centre's own pages are quoted in the footnotes
        assert prefix in page


@pytest.mark.parametrize("site", sorted(CENTRE))
def test_every_line_of_the_amd_section_has_a_source_url(site: str) -> None:
    section = gpu_cuda(doc_context(load_profile(site)))
    assert section.title == "AMD GPUs: how to run (ROCm)"
    items = [*section.facts, *section.commands]
    assert len(section.commands) >= 4
    for item in items:
        if item.source.startswith("envkit/"):   # envkit's own refusal: its source is the code that gives it
            continue
        assert URL.search(item.source), (item.label, item.source)
    env = next(c for c in section.commands if "MIOPEN_USER_DB_PATH" in c.line)
    plugin_env = load_profile(site).interconnect.nccl_plugin.env
    assert all(f"export {k}={v}" in env.line for k, v in plugin_env.items())


def test_an_nvidia_site_keeps_its_cuda_section() -> None:
    section = gpu_cuda(doc_context(load_profile("perlmutter")))
    assert section.title == "GPUs, CUDA and driver" and "NVIDIA A100" in section.facts[0].value

"""What the pages must say: the facts a help desk needs, each with its source."""

from __future__ import annotations

import re

import pytest

from envkit.docs import build_doc, site_page
from envkit.profile import list_sites, load_profile
from envkit.profile.cuda import min_driver


def test_summit_names_spectrum_mpi_cuda_and_jsrun(envkit_cli) -> None:
    proc = envkit_cli("docs", "--site", "summit")
    assert proc.returncode == 0, proc.stderr
    text = proc.stdout
    assert "IBM Spectrum MPI 10.4.0.3" in text
    assert "| CUDA toolkit in the image | 11.7[^" in text
    jsrun = [line for line in text.splitlines() if line.startswith("jsrun ")]
    assert jsrun and all("--smpiargs=-gpu" in line for line in jsrun)
    assert any(" -n12 -r6 " in line and "apptainer exec --nv" in line and "envkit-summit-aigw.sif" in line
               and "python3 -m envkit.train aigw --site summit" in line and line.endswith("--dist ddp")
               for line in jsrun)
    assert "docker-archive://" in text and "podman" in text


def test_hal_says_ppc64le_and_srun_gres() -> None:
    text = site_page("hal", "md")
    assert "| CPU architecture | ppc64le[^" in text
    srun = [line for line in text.splitlines() if line.startswith("srun ") and "singularity exec" in line]
    assert srun and all("--gres=gpu:v100:" in line for line in srun)
    assert any("--nodes=2" in line and "--gres=gpu:v100:4" in line for line in srun)


def test_bridges_ai_mentions_psm2_and_omni_path() -> None:
    text = site_page("bridges-ai", "md")
    assert "Intel Omni-Path" in text and "PSM2" in text
    assert "--with-psm2" in text and "OMPI_MCA_mtl=psm2" in text


def test_horovod_section_reads_the_base_recipe() -> None:
    summit, local = site_page("summit", "md"), site_page("local", "md")
    for text in (summit, local):
        assert "0.28.1" in text and "C++17" in text and "horovodrun --check-build" in text
        assert "HOROVOD_WITH_MPI=1" in text
    assert "HOROVOD_GPU_OPERATIONS=NCCL" in summit
    assert "HOROVOD_GPU_OPERATIONS" not in local


def test_troubleshooting_driver_mpi_arch() -> None:
    text = site_page("summit", "md")
    assert f"driver >= {min_driver('11.7')}" in text
    assert "exec format error" in text and "org.envkit.arch=ppc64le" in text
    assert "Hybrid model" in text and "--bind /opt/ibm/spectrum_mpi" in text


def test_scheduler_placeholders_and_modules() -> None:
    summit, hal = site_page("summit", "md"), site_page("hal", "md")
    assert "#BSUB -P PROJECT" in summit and "module load spectrum-mpi cuda/11.7.1" in summit
    assert "#SBATCH --account=ACCOUNT" in hal and "#SBATCH --partition=gpu" in hal


def test_cpu_site_has_no_gpu_lines() -> None:
    text = site_page("local", "md")
    assert "--nv" not in text and "on one rank" in text and "ch-run" in text


@pytest.mark.parametrize("site", list_sites())
def test_every_fact_shows_its_source(site: str) -> None:
    doc = build_doc(load_profile(site))
    for section in doc.sections:
        items = [*section.facts, *section.commands, *section.problems]
        items += [c for p in section.problems for c in p.commands]
        assert all(item.source.strip() for item in items), section.anchor
    lines = site_page(site, "md").splitlines()
    rows = [line for line in lines if line.startswith("| ") and "---" not in line]
    facts = [line for line in rows if re.search(r"\[\^\d+\] \|$", line)]   # a fact's value ends with its footnote
    assert facts and all(len(re.findall(r"(?<!\\)\|", row)) == 3 for row in facts)
    assert all(len(re.findall(r"(?<!\\)\|", row)) in (3, 4) and not row.endswith("|  |") for row in rows)
    notes = {int(n) for n in re.findall(r"\[\^(\d+)\](?!:)", "\n".join(lines))}
    defined = {int(n) for n in re.findall(r"^\[\^(\d+)\]: \S", "\n".join(lines), re.M)}
    assert notes == defined == set(range(1, len(defined) + 1))   # every footnote defined once, none unused

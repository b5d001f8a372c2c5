"""Today's flagship profiles (issues #20 and #21): sourced facts, the bind model, Slingshot's NCCL wiring, TACC's
ibrun, module verbs, PBS resources, and doctor's bind-model findings."""

from __future__ import annotations

from pathlib import Path

import pytest

from envkit.batch.jobs import JobOptions, job_script
from envkit.launch.run import RunRequest, compose, container_for, runtime_env
from envkit.launchers.base import LaunchPlan, launch_argv
from envkit.pipeline.doctor import HostFacts, check_mpi
from envkit.profile import load_profile
from envkit.profile.mpi import abi_problem
from envkit.recipe.layers import site_layer

FLAGSHIPS = ["perlmutter", "polaris", "frontier", "alps", "derecho", "lumi", "delta", "lonestar6", "vista",
             "frontera", "aurora", "deltaai"]
SECTIONS = ["cpu", "os", "nodes", "gpu", "cuda", "mpi", "interconnect", "scheduler", "launcher", "container"]


def _script(site: str, nodes: int = 2) -> str:
    profile = load_profile(site)
    req = RunRequest(site=site, workload="aigw", nodes=nodes, run_id="r1", results=Path("/res"))
    argv = compose(profile, req, container_for(profile, "aigw", store=Path("/store")), in_job_script=True)
    return job_script(profile, req, JobOptions(), argv, workdir=Path("/work"))


@pytest.mark.parametrize("site", FLAGSHIPS)
def test_every_fact_has_a_public_source_or_says_check(site: str) -> None:
    profile = load_profile(site)
    for name in SECTIONS:
        section = getattr(profile, name)
        if section is None:
            continue
        assert "https://" in section.source or "[check]" in section.source, (site, name, section.source)
    plugin = profile.interconnect.nccl_plugin
    if plugin:
        assert "https://" in plugin.source or "[check]" in plugin.source


@pytest.mark.parametrize("site", [s for s in FLAGSHIPS if load_profile(s).interconnect.fabric == "slingshot"])
def test_slingshot_sites_never_disable_nccl_ib_and_cuda_ones_carry_the_plugin(site: str) -> None:
    profile = load_profile(site)
    env = dict(site_layer(profile).environment)
    assert "NCCL_IB_DISABLE" not in env
    assert "NCCL_IB_DISABLE" not in _script(site)
    if profile.gpu.vendor == "nvidia":
        plugin = profile.interconnect.nccl_plugin
        assert plugin is not None and plugin.kind == "aws-ofi-nccl"
        assert plugin.host_path in profile.binds
        assert plugin.host_path in dict(runtime_env(profile))["LD_LIBRARY_PATH"].split(":")
        assert all(env[k] == v for k, v in plugin.env.items())   # the centre's variables are in the image


def test_the_paper_sites_keep_nccl_ib_disable_off_infiniband_only() -> None:
    assert "NCCL_IB_DISABLE" not in dict(site_layer(load_profile("hal")).environment)   # InfiniBand: NCCL uses it


def test_bind_model_library_path_reaches_the_container_in_run_submit_and_docs() -> None:
    profile = load_profile("polaris")
    (name, value), = runtime_env(profile)
    assert name == "LD_LIBRARY_PATH"
    parts = value.split(":")
    assert parts[:2] == ["/opt/cray/pe/mpich/8.1.28/ofi/gnu/12.3/lib-abi-mpich", "/opt/cray/pe/pals/1.2.12/lib"]
    assert parts[-1] == "/opt/mpi/lib"   # the image's own MPICH last
    script = _script("polaris")
    assert f"--env LD_LIBRARY_PATH={value}" in script
    assert "--bind /opt,/var/run/palsd," in script
    assert runtime_env(load_profile("local")) == []   # nothing of the host's bound: nothing changes


def test_abi_rules_name_both_versions_and_the_rule_source() -> None:
    problem = abi_problem("cray-mpich", "3.4", "mpich", "4.1.2") or ""
    assert "4.1.2" in problem and "3.4" in problem and "docs.olcf.ornl.gov" in problem
    assert "libmpi.so.40" in (abi_problem("mpich", "4.0.2", "openmpi", "4.1.4") or "")
    assert "predates" in (abi_problem("mpich", "4.0", "mpich", "3.0.4") or "")
    assert abi_problem("intel", "3.3", "mpich", "3.3.2") is None


def _host(mpi: str, paths: set[str]) -> HostFacts:
    return HostFacts(arch="x86_64", nvidia_driver=None, gpus=0, mpi=mpi, engine="apptainer", engine_version="1.4",
                     path_exists=lambda p: p in paths)


def test_doctor_bind_model_checks_what_the_host_shows() -> None:
    profile = load_profile("polaris")
    image = {"mpi": {"library": "MPICH Version:      3.4.3"}}
    lib = profile.mpi.library_path[0]
    cray = "MPI VERSION    : CRAY MPICH version 8.1.28.2 (ANL base 3.4a2)"
    ok = check_mpi(profile, _host(cray, {*profile.mpi.library_path, f"{lib}/libmpi.so.12"}), image)
    assert [f.status for f in ok] == ["ok"] and "first on the container's library path" in ok[0].message
    missing = check_mpi(profile, _host(cray, set()), image)
    assert missing[0].status == "fail" and "missing on this host" in missing[0].message
    wrong_family = check_mpi(profile, _host("mpirun (Open MPI) 4.1.4", set()), image)
    assert wrong_family[0].status == "fail" and "libmpi.so.40" in wrong_family[0].message
    newer = check_mpi(profile, _host(cray, set()), {"mpi": {"library": "MPICH Version:      4.1.2"}})
    assert newer[0].status == "fail" and "4.1.2" in newer[0].message and "3.4" in newer[0].message


def test_doctor_hybrid_mpich_no_longer_claims_a_swap() -> None:
    finding = check_mpi(load_profile("local-mpich"), _host("MPICH Version:      4.0.2", set()),
                        {"mpi": {"library": "MPICH Version:      4.0.2"}})[0]
    assert finding.status == "ok" and "bound over" not in finding.message and "nothing" in finding.message


def test_ibrun_is_tacc_documented_form() -> None:
    plan = LaunchPlan(nodes=2, tasks_per_node=3, command=("python3", "-m", "envkit.train", "aigw"),
                      env=(("OMP_NUM_THREADS", "1"),))
    argv = launch_argv(load_profile("lonestar6"), plan)
    assert argv[:7] == ["env", "OMP_NUM_THREADS=1", "ibrun", "-n", "6", "-o", "0"]
    assert "mpirun" not in argv and "mpiexec" not in argv and not any(a.startswith("--mpi") for a in argv)


def test_gpu_request_none_asks_for_no_gpus_but_the_default_still_does() -> None:
    assert "--gpus-per-node" not in _script("lonestar6") and "--gres" not in _script("lonestar6")
    assert "#SBATCH --gpus-per-node=4" in _script("perlmutter")


def test_module_verbs_are_written_word_by_word_quoted() -> None:
    lines = [line for line in _script("polaris").splitlines() if line.startswith("module ")]
    assert lines == ["module use /soft/modulefiles", "module load spack-pe-base", "module load apptainer",
                     "module load cray-mpich-abi"]


def test_pbs_select_resources_and_required_mpiprocs() -> None:
    assert "#PBS -l select=2:system=polaris:ncpus=32:ngpus=4" in _script("polaris")
    assert "#PBS -l select=2:ncpus=64:ngpus=4:mpiprocs=4" in _script("derecho")


def test_multi_node_mpich_family_runs_hand_the_first_host_to_the_ranks() -> None:
    for site, word in (("polaris", '--env=ENVKIT_MASTER_ADDR="$ENVKIT_RDZV_HOST"'),
                       ("lonestar6", 'ENVKIT_MASTER_ADDR="$ENVKIT_RDZV_HOST" ibrun')):
        script = _script(site)
        assert word in script and "ENVKIT_RDZV_HOST=$(" in script
    assert "ENVKIT_MASTER_ADDR" not in _script("polaris", nodes=1)


def test_a_cuda_122_site_page_names_one_cuda_for_the_image() -> None:
    from envkit.docs.page import build_doc
    from envkit.recipe.layers import base_layer

    doc = build_doc(load_profile("lonestar6"))   # CUDA 12.2 asked, the base's 12.1 platform chosen
    facts = {f.label: f.value for section in doc.sections for f in section.facts}
    assert facts["CUDA toolkit in the image"] == "12.1" and facts["CUDA toolkit the site asks for"] == "12.2"
    assert "CUDA 12.1 in the image (the site's 12.2)" in doc.summary
    assert dict(base_layer(load_profile("lonestar6")).labels)["org.envkit.cuda"] == "12.1"

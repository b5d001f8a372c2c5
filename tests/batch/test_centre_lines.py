"""envkit's batch script for each shipped flagship beside the launch lines its centre documents (quoted, with the
page): what agrees is asserted here, what still differs is listed with the reason (issues #20 and #21).

`python -m pytest tests/batch/test_centre_lines.py -s -k table` prints the comparison for a closing note.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from envkit.batch.jobs import JobOptions, job_script
from envkit.launch.run import RunRequest, compose, container_for
from envkit.profile import load_profile


@dataclass(frozen=True)
class CentreLine:
    url: str
    documented: tuple[str, ...]         # quoted from the page
    agrees: tuple[str, ...]             # fragments envkit's script must hold (what matches the page)
    differs: dict[str, str] = field(default_factory=dict)   # documented piece -> why envkit's differs


CENTRE: dict[str, CentreLine] = {
    "derecho": CentreLine(
        "https://ncar-hpc-docs.readthedocs.io/en/latest/pbs/job-scripts/derecho-job-script-examples/",
        ("#PBS -A <project_code>", "#PBS -q main", "#PBS -l select=2:ncpus=64:mpiprocs=4:ngpus=4",
         "module load ncarenv/23.09 nvhpc/24.1 cuda/12.2.1 cray-mpich/8.1.27",
         "mpiexec -n 8 -ppn 4 set_gpu_rank ./executable_name",
         "mpiexec -n 8 -ppn 4 --cpu-bind verbose,list:0:16:32:48 ./set_gpu_rank ./executable_name",
         "(Running a containerized application under MPI on GPUs: NCAR/hpc-demos run_fasteddy_container.pbs) "
         "module load apptainer gcc cuda || exit 1",
         "mpiexec --np ${nranks} --ppn ${nranks_per_node} --no-transfer set_gpu_rank singularity --quiet exec "
         "--bind ${SCRATCH} --bind ${WORK} --pwd $(pwd) --bind /run --bind /opt/cray --bind /usr/lib64:/host/lib64 "
         "--env LD_LIBRARY_PATH=${CRAY_MPICH_DIR}/lib-abi-mpich:/opt/cray/pe/lib64:${LD_LIBRARY_PATH}:/host/lib64 "
         "--env LD_PRELOAD=/opt/cray/pe/mpich/${CRAY_MPICH_VERSION}/gtl/lib/libmpi_gtl_cuda.so.0 "
         "--env MPICH_GPU_SUPPORT_ENABLED=1 --env MPICH_GPU_MANAGED_MEMORY_SUPPORT_ENABLED=1 "
         "--env MPICH_SMP_SINGLE_COPY_MODE=NONE ${container_image} ..."),
        ("#PBS -A PROJECT", "#PBS -q main", "#PBS -l select=2:ncpus=64:", ":ngpus=4", ":mpiprocs=4",
         "module load apptainer", "mpiexec -n 8 --ppn 4", "apptainer exec --nv --bind /glade,/opt/cray,",
         "--env LD_LIBRARY_PATH=/opt/cray/pe/mpich/8.1.27/ofi/gnu/9.1/lib-abi-mpich:", ":/opt/cray/pe/lib64:"),
        {"select=2:ncpus=64:mpiprocs=4:ngpus=4": "envkit writes the same chunk as ncpus=64:ngpus=4:mpiprocs=4 "
                                                 "(PBS reads the resources in any order)",
         "#PBS (no gpu_type)": "envkit's header adds -l gpu_type=a100 (scheduler.directives, [check]: NCAR's pages "
                               "show gpu_type in Casper's select statements only)",
         "module load ncarenv nvhpc cuda cray-mpich, module load gcc cuda": "envkit loads apptainer and "
                                                                           "cray-mpich-abi only; CUDA comes from "
                                                                           "the image. NCAR asks for the cuda module "
                                                                           "on GPU runs 'or nodes may lock up' "
                                                                           "[check]",
         "set_gpu_rank": "not run: envkit.launch.pmi_env sets LOCAL_RANK from PALS's PMI_LOCAL_RANK and the trainer "
                         "picks cuda:<local rank> itself; CUDA_VISIBLE_DEVICES is left whole",
         "--cpu-bind verbose,list:0:16:32:48": "envkit writes --depth 16 --cpu-bind depth (launcher.cpus_per_task), "
                                               "one 16-core block per rank [check against the NUMA layout]",
         "singularity --quiet exec, --no-transfer, --pwd $(pwd)": "envkit calls apptainer exec (the profile's "
                                                                  "engine) without these",
         "--bind ${SCRATCH} --bind ${WORK} --bind /run --bind /usr/lib64:/host/lib64": "envkit binds /glade whole "
                                                                                       "(container.binds) and "
                                                                                       "/var/run/palsd; /run and "
                                                                                       "the host /usr/lib64 are not "
                                                                                       "bound [check]",
         "${CRAY_MPICH_DIR}/lib-abi-mpich:...:${LD_LIBRARY_PATH}:/host/lib64": "envkit writes the folders "
                                                                              "(mpi.library_path, [check] against "
                                                                              "module show cray-mpich-abi) with "
                                                                              "PALS's lib between them, as on "
                                                                              "Polaris; the host's LD_LIBRARY_PATH "
                                                                              "is not appended",
         "LD_PRELOAD=libmpi_gtl_cuda.so.0, MPICH_GPU_SUPPORT_ENABLED=1, MPICH_GPU_MANAGED_MEMORY_SUPPORT_ENABLED=1, "
         "MPICH_SMP_SINGLE_COPY_MODE=NONE": "not set: GPU buffers go through NCCL (the aws-ofi-nccl plugin bound "
                                            "from interconnect.nccl_plugin), not through GPU-aware MPI [check]"}),
    "aurora": CentreLine(
        "https://docs.alcf.anl.gov/aurora/running-jobs-aurora/",
        ("#PBS -l select=4", "#PBS -l place=scatter", "#PBS -l filesystems=<fs1:fs2>", "#PBS -q debug-scaling",
         "#PBS -A <MYPROJECT>",
         "mpiexec -n ${NTOTRANKS} -ppn ${NRANKS} --depth=${NDEPTH} --cpu-bind depth -env OMP_NUM_THREADS=${NTHREADS} "
         "--env OMP_PLACES=cores ./hello_affinity_aurora.out",
         "mpiexec -n ${NTOTRANKS} --ppn ${NRANKS_PER_NODE} --depth=${NDEPTH} --cpu-bind=depth gpu_tile_compact.sh "
         "<app> <app_args>",
         "(https://docs.alcf.anl.gov/aurora/programming-models/julia/) #PBS -l filesystems=home:flare",
         "(https://docs.alcf.anl.gov/aurora/containers/containers/) module load apptainer",
         "(same page, test_container.sh) mpiexec -n 12 -ppn 12 -genv I_MPI_HYDRA_BOOTSTRAP pmi -genv I_MPI_FABRICS "
         "ofi -genv I_MPI_OFI_PROVIDER tcp -genv FI_PROVIDER tcp apptainer exec --pwd / -B \"$WORKDIR:$WORKDIR\" "
         "-B \"$PMIX:/hostlib/libpmix.so.2\" -B /usr/lib64:/hostevent \"$SBX_ABS\" /bin/sh -lc \"...\""),
        ("#PBS -l select=2", "#PBS -l place=scatter", "#PBS -l filesystems=home:flare", "#PBS -A PROJECT",
         "module load apptainer", "mpiexec -n 24 --ppn 12 --depth 8 --cpu-bind depth", "apptainer exec --bind "),
        {"#PBS -l select=4": "envkit adds :ncpus=104 to the chunk (cpu.cores_per_node) [check]",
         "#PBS -q debug-scaling": "the profile's queue is debug (1 to 2 nodes in the page's queue table); "
                                  "debug-scaling takes 2 to 31",
         "-ppn, --depth=": "envkit writes --ppn and --depth 8 (the long option, as the page's GPU line; the value "
                           "as a separate word)",
         "-env OMP_NUM_THREADS, --env OMP_PLACES=cores": "not set",
         "gpu_tile_compact.sh, APPTAINERENV_ZE_*/ONEAPI_DEVICE_SELECTOR": "the Intel GPUs are not used "
                                                                          "(INTEL_GPU_UNSUPPORTED): envkit runs "
                                                                          "on the CPUs",
         "-genv I_MPI_* / FI_PROVIDER tcp, -B $PMIX:/hostlib/libpmix.so.2, -B /usr/lib64:/hostevent":
             "ALCF's container example runs Intel MPI in the image over TCP with the host's PMIx; envkit's aurora "
             "profile runs the image's MPICH in the hybrid model (mpi.model, [check]) and binds none of these",
         "--pwd /": "not passed"}),
    "polaris": CentreLine(
        "https://docs.alcf.anl.gov/polaris/containers/containers/",
        ("#PBS -l select=2:system=polaris", "#PBS -l place=scatter", "#PBS -l filesystems=home:eagle",
         "#PBS -A <project_name>", "ml use /soft/modulefiles", "ml spack-pe-base", "ml apptainer",
         "module load cray-mpich-abi",
         'export APPTAINERENV_LD_LIBRARY_PATH="$CRAY_LD_LIBRARY_PATH:$LD_LIBRARY_PATH:$ADDITIONAL_PATH"',
         "mpiexec -hostfile $PBS_NODEFILE -n $PROCS -ppn $PPN apptainer exec --fakeroot -B /opt -B /var/run/palsd/ "
         "$CONTAINER python3 /usr/source/mpi_hello_world.py"),
        ("#PBS -l select=2:system=polaris:", "#PBS -l place=scatter", "#PBS -l filesystems=home:eagle",
         "#PBS -A PROJECT", "module use /soft/modulefiles", "module load spack-pe-base", "module load apptainer",
         "module load cray-mpich-abi", "mpiexec -n 8 --ppn 4", "apptainer exec --nv --bind /opt,/var/run/palsd,",
         "/opt/cray/pe/pals/1.2.12/lib"),
        {"$CRAY_LD_LIBRARY_PATH": "envkit writes the folders (mpi.library_path, [check] against module show "
                                  "cray-mpich-abi) so the line is the same in run, submit and docs",
         "-hostfile $PBS_NODEFILE": "PALS's default hostfile is $PBS_NODEFILE (ALCF running-jobs page)",
         "--fakeroot": "not added to apptainer exec [check]: ALCF's troubleshooting asks for it on compute nodes",
         "-ppn": "envkit writes --ppn and adds --depth/--cpu-bind depth from the running-jobs page"}),
    "perlmutter": CentreLine(
        "https://github.com/NERSC/podman-hpc/blob/main/etc/modules.d/mpich.yaml",
        ("-e LD_LIBRARY_PATH=/opt/udiImage/modules/mpich:/opt/udiImage/modules/mpich/dep",
         "/usr/lib/shifter/mpich-2.2:/opt/udiImage/modules/mpich", "/var/spool/slurmd:/var/spool/slurmd",
         "/dev/xpmem:/dev/xpmem", "/dev/cxi*:/dev/", "(nccl.yaml) -e NCCL_SOCKET_IFNAME=hsn",
         "(nccl.yaml) /global/common/software/nersc9/nccl/2.19/plugin/lib/*:/opt/udiImage/modules/nccl-plugin/lib/"),
        ("--bind /usr/lib/shifter/mpich-2.2,/var/spool/slurmd,/run/munge,/dev/xpmem,",
         "LD_LIBRARY_PATH=/usr/lib/shifter/mpich-2.2:/usr/lib/shifter/mpich-2.2/dep:",
         "/global/common/software/nersc9/nccl/2.19/plugin/lib", "#SBATCH --constraint=gpu"),
        {"podman-hpc run --mpi --nccl": "envkit drives Apptainer [check]; the same host folders are bound at their "
                                        "own paths instead of /opt/udiImage",
         "/dev/cxi*": "Apptainer mounts the host /dev itself"}),
    "frontier": CentreLine(
        "https://github.com/olcf/olcf_containers_examples/blob/main/frontier/sample_apps/pytorch/olcfbaseimage/"
        "submit.sbatch",
        ("module load rocm/6.2.4", "module load olcf-container-tools", "module load apptainer-enable-mpi",
         "export NCCL_SOCKET_IFNAME=hsn0        # NCCL/RCCL will use the high speed network to coordinate startup.",
         "export NCCL_NET_GDR_LEVEL=3", "export NCCL_CROSS_NIC=1",
         'export MIOPEN_USER_DB_PATH="/tmp/my-miopen-cache"',
         "srun -N4 --label --tasks-per-node=8 -c7 --gpus-per-task=1 --gpu-bind=closest apptainer exec --workdir "
         "`pwd` --rocm pytorch.sif ./pyrun.sh",
         "(https://docs.olcf.ornl.gov/software/python/pytorch_frontier.html) module load craype-accel-amd-gfx90a; "
         "srun -N2 -n16 -c7 --gpus-per-task=1 --gpu-bind=closest python3 -W ignore -u ./multinode_olcf.py ...",
         "(https://docs.olcf.ornl.gov/software/containers_on_frontier.html) module load apptainer-enable-gpu"),
        ("module load rocm/6.2.4", "module load craype-accel-amd-gfx90a", "module load olcf-container-tools",
         "module load apptainer-enable-mpi", "module load apptainer-enable-gpu",
         "srun --nodes=2 --ntasks-per-node=8 --cpus-per-task=7 --gpus-per-task=1", "--gpu-bind=closest",
         "apptainer exec --rocm --bind /opt/cray,", "--env NCCL_SOCKET_IFNAME=hsn0", "--env NCCL_NET_GDR_LEVEL=3",
         "--env NCCL_CROSS_NIC=1", "--env MIOPEN_USER_DB_PATH=/tmp/envkit-miopen-cache",
         "--env MIOPEN_CUSTOM_CACHE_DIR=/tmp/envkit-miopen-cache", "/ccs/proj/PROJECT/aws-ofi-rccl/lib"),
        {"/tmp/my-miopen-cache, rm -rf and mkdir -p": "one fixed node-local folder (rocm.miopen_user_db_path), made "
                                                      "by MIOpen itself [check]; not emptied per job",
         "--label, --workdir `pwd`, --unbuffered": "not added (output goes to the job log either way)",
         "${PWD}/aws-ofi-rccl/lib on APPTAINERENV_LD_LIBRARY_PATH": "the plugin folder is profile data "
                                                                    "(interconnect.nccl_plugin.host_path, [check]), "
                                                                    "bound and put on LD_LIBRARY_PATH by --env",
         "#SBATCH (no GPU directive)": "envkit's header adds --gpus-per-node=8 (whole nodes either way)",
         "the image": "OLCF builds torch from download.pytorch.org/whl/rocm6.2.4 on its cpe image; envkit renders "
                      "rocm/dev-ubuntu-22.04:6.2.4 with torch 2.5.1+rocm6.2 and does not build it here"}),
    "lumi": CentreLine(
        "https://github.com/Lumi-supercomputer/LUMI-AI-Guide/blob/main/5-multi-gpu-and-node/README.md",
        ("#SBATCH --gpus-per-node=8", "#SBATCH --ntasks-per-node=8", "#SBATCH --cpus-per-task=7",
         'CPU_BIND_MASKS="0x00fe000000000000,0xfe00000000000000,0x0000000000fe0000,0x00000000fe000000,'
         '0x00000000000000fe,0x000000000000fe00,0x000000fe00000000,0x0000fe0000000000"',
         'srun --cpu-bind=mask_cpu=$CPU_BIND_MASKS singularity exec $CONTAINER bash -c "export RANK=\\$SLURM_PROCID '
         '&& export LOCAL_RANK=\\$SLURM_LOCALID ..."',
         "export NCCL_SOCKET_IFNAME=hsn0,hsn1,hsn2,hsn3", "export NCCL_NET_GDR_LEVEL=PHB",
         "(https://docs.lumi-supercomputer.eu/software/packages/pytorch/) module load singularity-bindings; "
         "module load aws-ofi-rccl; export MIOPEN_USER_DB_PATH=/tmp/${USER}-miopen-cache-${SLURM_JOB_ID}; "
         "export CXI_FORK_SAFE=1; export CXI_FORK_SAFE_HP=1; export FI_CXI_DISABLE_CQ_HUGETLB=1",
         "(https://docs.lumi-supercomputer.eu/runjobs/scheduled-jobs/container-jobs/) "
         "srun --partition=<partition> --account=<account> --nodes=2 singularity run mpi_osu.sif"),
        ("#SBATCH --gpus-per-node=8", "#SBATCH --ntasks-per-node=8", "#SBATCH --cpus-per-task=7",
         "module load singularity-bindings", "srun --nodes=2 --ntasks-per-node=8 --cpus-per-task=7",
         "--partition=standard-g", "--account=project_ACCOUNT",
         "--cpu-bind=mask_cpu:0x00fe000000000000,0xfe00000000000000,0x0000000000fe0000,0x00000000fe000000,"
         "0x00000000000000fe,0x000000000000fe00,0x000000fe00000000,0x0000fe0000000000",
         "singularity exec --rocm", "--env NCCL_SOCKET_IFNAME=hsn0,hsn1,hsn2,hsn3", "--env NCCL_NET_GDR_LEVEL=PHB",
         "--env CXI_FORK_SAFE=1", "--env CXI_FORK_SAFE_HP=1", "--env FI_CXI_DISABLE_CQ_HUGETLB=1",
         "--env MIOPEN_USER_DB_PATH=/tmp/envkit-miopen-cache", "/aws-ofi-rccl/66b3b31-cpeGNU-22.08/lib"),
        {"singularity run, bash -c export RANK=...": "envkit execs its runner (singularity exec), which reads the "
                                                     "rank from Slurm itself",
         "--cpu-bind=mask_cpu=": "written mask_cpu: as LUMI's LUMI-G job page spells it (Slurm's syntax)",
         "--rocm": "LUMI's lines pass no --rocm (the image carries its ROCm); envkit passes it, Apptainer's documented "
                   "way for AMD GPUs [check on LUMI]",
         "/tmp/${USER}-miopen-cache-${SLURM_JOB_ID}": "one fixed node-local folder: a profile value is never expanded "
                                                      "by a shell",
         "module load aws-ofi-rccl": "the plugin's folder is bound from the profile (interconnect.nccl_plugin, "
                                     "[check] where your EasyBuild installed it)"}),
    "alps": CentreLine(
        "https://docs.cscs.ch/running/vetnode/",
        ("srun -N ${SLURM_JOB_NUM_NODES} --tasks-per-node=4 --environment=${ENV_FILE} ...",
         'NCCL_NET: "AWS Libfabric"', 'FI_CXI_DISABLE_HOST_REGISTER: "1"', 'FI_CXI_RDZV_PROTO: "alt_read"'),
        ("srun --nodes=2 --ntasks-per-node=4", "/opt/cscs/aws-ofi-ccl-plugin/cuda12/lib"),
        {"--environment=${ENV_FILE}": "the alps profile runs Apptainer [check]; envkit's cscs-ce engine "
                                      "(--engine cscs-ce) writes the EDF and srun --environment instead; the "
                                      "hook's variables are the image's environment here"}),
    "delta": CentreLine(
        "https://docs.ncsa.illinois.edu/systems/delta/en/latest/user_guide/containers.html",
        ("srun --mem=32g --nodes=1 --ntasks-per-node=1 --cpus-per-task=16 --partition=gpuA100x4-interactive "
         "--account=account_name --gpus-per-node=1 --gpus-per-task=1 --gpu-bind=verbose,per_task:1 --pty "
         "apptainer run --nv --bind /projects/bbXX /sw/external/NGC/tensorflow:22.06-tf2-py3 /bin/bash",),
        ("--cpus-per-task=16", "--gpus-per-task=1", "--partition=gpuA100x4", "--account=ACCOUNT",
         "apptainer exec --nv --bind /projects,"),
        {"--gpu-bind=verbose,per_task:1, --mem=32g": "not set: whole nodes, one rank per GPU",
         "apptainer run": "envkit execs its runner (apptainer exec)"}),
    "lonestar6": CentreLine(
        "https://docs.tacc.utexas.edu/hpc/lonestar6/",
        ("ibrun ./myprogram  # ibrun uses the $SBATCH directives to properly allocate nodes and tasks",
         "ibrun -n 128 -o  0 task_affinity ./myprogram input1 &",
         "(https://docs.tacc.utexas.edu/aiml/containers/) module load tacc-apptainer; apptainer exec --nv ..."),
        ("#SBATCH --partition=gpu-a100", "module load tacc-apptainer", "ibrun -n 6 -o 0 apptainer exec --nv"),
        {"ibrun ./myprogram": "envkit writes -n N -o 0 (the documented pair) so a run can use fewer ranks than "
                              "the job; task_affinity is not added [check]"}),
    "frontera": CentreLine(
        "https://docs.tacc.utexas.edu/hpc/frontera/",
        ("ibrun ./myprogram", "ibrun -n 56 -o  0 task_affinity ./myprogram input1 &"),
        ("#SBATCH --partition=rtx", "module load tacc-apptainer", "ibrun -n 8 -o 0 apptainer exec --nv"),
        {"task_affinity": "not added [check]"}),
    "vista": CentreLine(
        "https://docs.tacc.utexas.edu/hpc/vista/",
        ("#SBATCH -N 4", "#SBATCH -n 576", "ibrun ./myprogram  # use ibrun instead of mpirun or mpiexec"),
        ("#SBATCH --partition=gh", "module load tacc-apptainer", "module load ompi", "ibrun -n 2 -o 0"),
        {"#SBATCH -n": "envkit writes --nodes and --ntasks-per-node (TACC's second allowed form: -N and "
                       "--ntasks-per-node)"}),
}
NOT_READ = {
    "deltaai": "no NCSA DeltaAI job script or container line read here (docs.ncsa.illinois.edu/systems/deltaai/ "
               "not found in the stored pages or repositories): every launch fact is [check] in the profile",
}


def script(site: str) -> str:
    profile = load_profile(site)
    req = RunRequest(site=site, workload="aigw", nodes=2, run_id="RUN_ID", results=Path("/path/to/results"))
    argv = compose(profile, req, container_for(profile, "aigw", store=Path("/ENVKIT_STORE")), in_job_script=True)
    return job_script(profile, req, JobOptions(), argv, workdir=Path("/work"))


@pytest.mark.parametrize("site", sorted(CENTRE))
def test_envkit_script_agrees_with_the_centre_line(site: str) -> None:
    text = script(site)
    for fragment in CENTRE[site].agrees:
        assert fragment in text, f"{site}: {fragment!r} not in envkit's script (documented: {CENTRE[site].url})"
    assert "NCCL_IB_DISABLE" not in text


@pytest.mark.parametrize("site", ["frontier", "lumi"])
def test_amd_sites_run_on_their_gpus(site: str) -> None:
    """The MI250X sites ask for 8 GPUs (GCDs) per node, pass them in with --rocm, never --nv, and give every rank
    the RCCL and MIOpen variables their centre documents, each value one shell word."""
    import shlex

    text = script(site)
    launch = next(ln for ln in text.splitlines() if ln.startswith("srun "))
    argv = shlex.split(launch.split(" || ")[0])
    assert "--rocm" in argv and "--nv" not in argv
    assert "NCCL_SOCKET_IFNAME=" + load_profile(site).interconnect.nccl_plugin.env["NCCL_SOCKET_IFNAME"] in argv
    assert "MIOPEN_USER_DB_PATH=/tmp/envkit-miopen-cache" in argv
    assert "#SBATCH --gpus-per-node=8" in text


def test_every_flagship_is_compared_or_says_why_not() -> None:
    flagships = {"perlmutter", "polaris", "frontier", "alps", "derecho", "lumi", "delta", "lonestar6", "vista",
                 "frontera", "aurora", "deltaai"}
    assert set(CENTRE) | set(NOT_READ) == flagships


def test_table(capsys: pytest.CaptureFixture[str]) -> None:
    """Print the comparison (run with -s)."""
    for site, line in sorted(CENTRE.items()):
        launch = next(ln.strip() for ln in script(site).splitlines()
                      if ln.strip().startswith(("srun", "mpiexec", "ibrun", "env ")))
        print(f"## {site} ({line.url})\n  documented: " + "\n  documented: ".join(line.documented))
        print(f"  envkit: {launch[:400]}")
        for piece, why in line.differs.items():
            print(f"  differs: {piece}: {why}")
    assert capsys.readouterr().out.count("## ") == len(CENTRE)

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
        "https://docs.olcf.ornl.gov/software/containers_on_frontier.html",
        ("module load olcf-container-tools", "module load apptainer-enable-mpi", "module load apptainer-enable-gpu",
         "srun -N2 -n16 --gpus-per-task=1 --gpu-bind=closest --unbuffered apptainer exec bcastandlammps.sif "
         "./launchapp.sh"),
        ("module load olcf-container-tools", "module load apptainer-enable-mpi", "srun --nodes=2 --ntasks-per-node=8",
         "apptainer exec --bind /opt/cray,"),
        {"apptainer-enable-gpu, --gpus-per-task=1 --gpu-bind=closest": "AMD GPUs are not supported yet: the profile "
                                                                      "runs on the CPUs",
         "--unbuffered": "not added (output goes to the job log either way)"}),
    "lumi": CentreLine(
        "https://docs.lumi-supercomputer.eu/runjobs/scheduled-jobs/container-jobs/",
        ("module load singularity-bindings",
         "srun --partition=<partition> --account=<account> --nodes=2 singularity run mpi_osu.sif"),
        ("module load singularity-bindings", "srun --nodes=2 --ntasks-per-node=8", "--partition=standard-g",
         "--account=project_ACCOUNT", "singularity exec"),
        {"singularity run": "envkit execs its runner (singularity exec) rather than the image's runscript",
         "(GPUs)": "AMD GPUs are not supported yet: the profile runs on the CPUs"}),
    "alps": CentreLine(
        "https://docs.cscs.ch/running/vetnode/",
        ("srun -N ${SLURM_JOB_NUM_NODES} --tasks-per-node=4 --environment=${ENV_FILE} ...",
         'NCCL_NET: "AWS Libfabric"', 'FI_CXI_DISABLE_HOST_REGISTER: "1"', 'FI_CXI_RDZV_PROTO: "alt_read"'),
        ("srun --nodes=2 --ntasks-per-node=4", "/opt/cscs/aws-ofi-ccl-plugin/cuda12/lib"),
        {"--environment=${ENV_FILE}": "envkit has no Container Engine backend: Apptainer [check]; the hook's "
                                      "variables are the image's environment instead"}),
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
    "derecho": "no NCAR container launch line read here: every launch fact is [check] in the profile",
    "aurora": "no ALCF Aurora container line read here (Polaris's is the model); Intel GPUs not used",
    "deltaai": "no NCSA DeltaAI container line read here: every launch fact is [check] in the profile",
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

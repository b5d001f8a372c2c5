#!/bin/bash
#PBS -N envkit-aigw
#PBS -l select=1:system=polaris:ncpus=32:ngpus=4
#PBS -l walltime=01:00:00
#PBS -A PROJECT
#PBS -q debug-scaling
#PBS -o /scratch/envkit/results/RUN_ID/job.log
#PBS -j oe
#PBS -l place=scatter
#PBS -l filesystems=home:eagle
# envkit job: aigw on polaris, 1 node(s) x 4 rank(s); run RUN_ID
# Written by `envkit submit` from the site profile (hash e470ee3adf51b0aa); every value below is shell-quoted.
set -u
module use /soft/modulefiles
module load spack-pe-base
module load apptainer
module load cray-mpich-abi
cd /scratch/envkit
status=0
mpiexec -n 4 --ppn 4 --depth 8 --cpu-bind depth apptainer exec --nv --bind /opt,/var/run/palsd,/opt/cray/libfabric/1.15.2.0/lib64,/soft/libraries/aws-ofi-nccl/v1.9.1-aws/lib,/scratch/envkit/results:/opt/envkit/results --env LD_LIBRARY_PATH=/opt/cray/pe/mpich/8.1.28/ofi/gnu/12.3/lib-abi-mpich:/opt/cray/pe/pals/1.2.12/lib:/opt/cray/libfabric/1.15.2.0/lib64:/soft/libraries/aws-ofi-nccl/v1.9.1-aws/lib:/opt/mpi/lib /scratch/envkit/store/apptainer/envkit-polaris-aigw.sif python3 -m envkit.launch.pmi_env python3 -m envkit.train aigw --site polaris --engine apptainer --results /opt/envkit/results --run-id RUN_ID --dist ddp || status=$?
printf '%s\n' "$status" > /scratch/envkit/results/RUN_ID/job-exit-code
exit "$status"

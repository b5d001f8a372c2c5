#!/bin/bash
#PBS -N envkit-aigw
#PBS -l select=1:ncpus=64:ngpus=4:mpiprocs=4
#PBS -l walltime=01:00:00
#PBS -A PROJECT
#PBS -q main
#PBS -o /scratch/envkit/results/RUN_ID/job.log
#PBS -j oe
#PBS -l gpu_type=a100
# envkit job: aigw on derecho, 1 node(s) x 4 rank(s); run RUN_ID
# Written by `envkit submit` from the site profile (hash b40cd7272d94c307); every value below is shell-quoted.
set -u
module load apptainer
module load cray-mpich-abi
cd /scratch/envkit
status=0
mpiexec -n 4 --ppn 4 --depth 16 --cpu-bind depth apptainer exec --nv --bind /glade,/opt/cray,/var/run/palsd,/opt/cray/libfabric/1.15.2.0/lib64,/glade/u/apps/common/23.08/spack/opt/spack/aws-ofi-nccl/lib,/scratch/envkit/results:/opt/envkit/results --env LD_LIBRARY_PATH=/opt/cray/pe/mpich/8.1.27/ofi/gnu/9.1/lib-abi-mpich:/opt/cray/pe/pals/1.2.12/lib:/opt/cray/pe/lib64:/opt/cray/libfabric/1.15.2.0/lib64:/glade/u/apps/common/23.08/spack/opt/spack/aws-ofi-nccl/lib:/opt/mpi/lib /scratch/envkit/store/apptainer/envkit-derecho-aigw.sif python3 -m envkit.launch.pmi_env python3 -m envkit.train aigw --site derecho --engine apptainer --results /opt/envkit/results --run-id RUN_ID --dist ddp || status=$?
printf '%s\n' "$status" > /scratch/envkit/results/RUN_ID/job-exit-code
exit "$status"

#!/bin/bash
#SBATCH --job-name=envkit-aigw
#SBATCH --nodes=4
#SBATCH --ntasks-per-node=4
#SBATCH --cpus-per-task=72
#SBATCH --gpus-per-node=4
#SBATCH --time=02:00:00
#SBATCH --account=ACCOUNT
#SBATCH --partition=ghx4
#SBATCH --output=/scratch/envkit/results/RUN_ID/job.log
# envkit job: aigw on deltaai, 4 node(s) x 4 rank(s); run RUN_ID
# Written by `envkit submit` from the site profile (hash 7af982a48524a9ea); every value below is shell-quoted.
set -u
cd /scratch/envkit
status=0
srun --nodes=4 --ntasks-per-node=4 --cpus-per-task=72 --partition=ghx4 --account=ACCOUNT apptainer exec --nv --bind /projects,/opt/cray,/var/spool/slurmd,/opt/cray/libfabric/1.22.0/lib64,/sw/user/aws-ofi-nccl/lib,/scratch/envkit/results:/opt/envkit/results --env LD_LIBRARY_PATH=/opt/cray/pe/mpich/8.1.30/ofi/gnu/12.3/lib-abi-mpich:/opt/cray/pe/lib64:/opt/cray/libfabric/1.22.0/lib64:/sw/user/aws-ofi-nccl/lib:/opt/mpi/lib /scratch/envkit/store/apptainer/envkit-deltaai-aigw.sif python3 -m envkit.train aigw --site deltaai --engine apptainer --results /opt/envkit/results --run-id RUN_ID --dist ddp || status=$?
printf '%s\n' "$status" > /scratch/envkit/results/RUN_ID/job-exit-code
exit "$status"

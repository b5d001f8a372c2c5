#!/bin/bash
#SBATCH --job-name=envkit-aigw
#SBATCH --nodes=2
#SBATCH --ntasks-per-node=4
#SBATCH --cpus-per-task=72
#SBATCH --gpus-per-node=4
#SBATCH --time=02:00:00
#SBATCH --account=ACCOUNT
#SBATCH --partition=normal
#SBATCH --output=/scratch/envkit/results/RUN_ID/job.log
# envkit job: aigw on alps, 2 node(s) x 4 rank(s); run RUN_ID
# Written by `envkit submit` from the site profile (hash 7c9e78f432e026ce); every value below is shell-quoted.
set -u
cd /scratch/envkit
status=0
srun --nodes=2 --ntasks-per-node=4 --cpus-per-task=72 --partition=normal --account=ACCOUNT apptainer exec --nv --bind /opt/cray,/var/spool/slurmd,/opt/cray/libfabric/1.22.0/lib64,/opt/cscs/aws-ofi-ccl-plugin/cuda12/lib,/scratch/envkit/results:/opt/envkit/results --env LD_LIBRARY_PATH=/opt/cray/pe/mpich/8.1.32/ofi/gnu/12.3/lib-abi-mpich:/opt/cray/pe/lib64:/opt/cray/libfabric/1.22.0/lib64:/opt/cscs/aws-ofi-ccl-plugin/cuda12/lib:/opt/mpi/lib /scratch/envkit/store/apptainer/envkit-alps-aigw.sif python3 -m envkit.train aigw --site alps --engine apptainer --results /opt/envkit/results --run-id RUN_ID --dist ddp || status=$?
printf '%s\n' "$status" > /scratch/envkit/results/RUN_ID/job-exit-code
exit "$status"

#!/bin/bash
#SBATCH --job-name=envkit-aigw
#SBATCH --nodes=1
#SBATCH --ntasks-per-node=4
#SBATCH --cpus-per-task=16
#SBATCH --gpus-per-node=4
#SBATCH --time=48:00:00
#SBATCH --account=ACCOUNT
#SBATCH --partition=gpuA100x4
#SBATCH --output=/scratch/envkit/results/RUN_ID/job.log
# envkit job: aigw on delta, 1 node(s) x 4 rank(s); run RUN_ID
# Written by `envkit submit` from the site profile (hash ee7236a84863999d); every value below is shell-quoted.
set -u
cd /scratch/envkit
status=0
srun --nodes=1 --ntasks-per-node=4 --cpus-per-task=16 --gpus-per-task=1 --partition=gpuA100x4 --account=ACCOUNT --mpi=pmix apptainer exec --nv --bind /projects,/scratch,/sw/external/aws-ofi-nccl/lib,/scratch/envkit/results:/opt/envkit/results --env LD_LIBRARY_PATH=/sw/external/aws-ofi-nccl/lib:/opt/mpi/lib /scratch/envkit/store/apptainer/envkit-delta-aigw.sif python3 -m envkit.train aigw --site delta --engine apptainer --results /opt/envkit/results --run-id RUN_ID --dist ddp || status=$?
printf '%s\n' "$status" > /scratch/envkit/results/RUN_ID/job-exit-code
exit "$status"

#!/bin/bash
#SBATCH --job-name=envkit-aigw
#SBATCH --nodes=2
#SBATCH --ntasks-per-node=4
#SBATCH --cpus-per-task=16
#SBATCH --gpus-per-node=4
#SBATCH --time=48:00:00
#SBATCH --account=ACCOUNT
#SBATCH --partition=gpuA100x4
#SBATCH --output=/scratch/envkit/results/RUN_ID/job.log
# envkit job: aigw on slurm-torchrun, 2 node(s) x 4 rank(s); run RUN_ID
# Written by `envkit submit` from the site profile (hash 5f147530e5f8d133); every value below is shell-quoted.
set -u
cd /scratch/envkit
status=0
# the allocation's first compute host (torchrun's rendezvous, the ranks' MASTER_ADDR), read on the host from the scheduler when the job runs
ENVKIT_RDZV_HOST=$(scontrol show hostnames "$SLURM_JOB_NODELIST" | head -n 1)
if [ -z "$ENVKIT_RDZV_HOST" ]; then
  printf '%s\n' 'envkit: cannot read the first host of the allocation for the rendezvous' >&2
  status=1
else
  srun --nodes=2 --ntasks-per-node=1 --cpus-per-task=64 --gpus-per-task=4 --partition=gpuA100x4 --account=ACCOUNT apptainer exec --nv --bind /projects,/scratch,/sw/external/aws-ofi-nccl/lib,/scratch/envkit/results:/opt/envkit/results --env LD_LIBRARY_PATH=/sw/external/aws-ofi-nccl/lib:/opt/mpi/lib /scratch/envkit/store/apptainer/envkit-slurm-torchrun-aigw.sif torchrun --nnodes=2 --nproc_per_node=4 --rdzv-backend=c10d --rdzv-endpoint="$ENVKIT_RDZV_HOST":37186 --rdzv-id=envkit -m envkit.train aigw --site slurm-torchrun --engine apptainer --results /opt/envkit/results --run-id RUN_ID --dist ddp || status=$?
fi
printf '%s\n' "$status" > /scratch/envkit/results/RUN_ID/job-exit-code
exit "$status"

#!/bin/bash
#SBATCH --job-name=envkit-aigw
#SBATCH --nodes=4
#SBATCH --ntasks-per-node=8
#SBATCH --cpus-per-task=5
#SBATCH --gres=gpu:volta16:8
#SBATCH --time=48:00:00
#SBATCH --account=ACCOUNT
#SBATCH --partition=GPU-AI
#SBATCH --output=/scratch/envkit/results/RUN_ID/job.log
# envkit job: aigw on bridges-ai, 4 node(s) x 8 rank(s); run RUN_ID
# Written by `envkit submit` from the site profile (hash 38cc906887e4350c); every value below is shell-quoted.
set -u
module load singularity
cd /scratch/envkit
status=0
srun --nodes=4 --ntasks-per-node=8 --cpus-per-task=5 --gres=gpu:volta16:8 --partition=GPU-AI --account=ACCOUNT --mpi=pmix singularity exec --nv --bind /pylon5,/scratch/envkit/results:/opt/envkit/results /scratch/envkit/store/singularity/envkit-bridges-ai-aigw.sif python3 -m envkit.train aigw --site bridges-ai --engine singularity --results /opt/envkit/results --run-id RUN_ID --dist ddp || status=$?
printf '%s\n' "$status" > /scratch/envkit/results/RUN_ID/job-exit-code
exit "$status"

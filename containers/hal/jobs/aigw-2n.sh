#!/bin/bash
#SBATCH --job-name=envkit-aigw
#SBATCH --nodes=2
#SBATCH --ntasks-per-node=4
#SBATCH --cpus-per-task=16
#SBATCH --gres=gpu:v100:4
#SBATCH --time=24:00:00
#SBATCH --account=ACCOUNT
#SBATCH --partition=gpu
#SBATCH --output=/scratch/envkit/results/RUN_ID/job.log
# envkit job: aigw on hal, 2 node(s) x 4 rank(s); run RUN_ID
# Written by `envkit submit` from the site profile (hash 3ee01c02fe34daeb); every value below is shell-quoted.
set -u
cd /scratch/envkit
status=0
srun --nodes=2 --ntasks-per-node=4 --cpus-per-task=16 --gres=gpu:v100:4 --partition=gpu --account=ACCOUNT --mpi=pmix singularity exec --nv --bind /home,/projects,/scratch/envkit/results:/opt/envkit/results /scratch/envkit/store/singularity/envkit-hal-aigw.sif python3 -m envkit.train aigw --site hal --engine singularity --results /opt/envkit/results --run-id RUN_ID --dist ddp || status=$?
printf '%s\n' "$status" > /scratch/envkit/results/RUN_ID/job-exit-code
exit "$status"

#!/bin/bash
#SBATCH --job-name=envkit-aigw
#SBATCH --nodes=2
#SBATCH --ntasks-per-node=8
#SBATCH --cpus-per-task=5
#SBATCH --gres=gpu:v100-32:8
#SBATCH --time=48:00:00
#SBATCH --account=ACCOUNT
#SBATCH --partition=GPU
#SBATCH --output=/scratch/envkit/results/RUN_ID/job.log
# envkit job: aigw on bridges-2, 2 node(s) x 8 rank(s); run RUN_ID
# Written by `envkit submit` from the site profile (hash 807c77b7adf50cb1); every value below is shell-quoted.
set -u
module load openmpi/4.0.5-gcc10.2.0
cd /scratch/envkit
status=0
srun --nodes=2 --ntasks-per-node=8 --cpus-per-task=5 --gres=gpu:v100-32:8 --partition=GPU --account=ACCOUNT --mpi=pmix singularity exec --nv --bind /ocean,/jet,/scratch/envkit/results:/opt/envkit/results /scratch/envkit/store/singularity/envkit-bridges-2-aigw.sif python3 -m envkit.train aigw --site bridges-2 --engine singularity --results /opt/envkit/results --run-id RUN_ID --dist ddp || status=$?
printf '%s\n' "$status" > /scratch/envkit/results/RUN_ID/job-exit-code
exit "$status"

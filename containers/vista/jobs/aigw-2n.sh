#!/bin/bash
#SBATCH --job-name=envkit-aigw
#SBATCH --nodes=2
#SBATCH --ntasks-per-node=1
#SBATCH --time=02:00:00
#SBATCH --account=PROJECT
#SBATCH --partition=gh
#SBATCH --output=/scratch/envkit/results/RUN_ID/job.log
# envkit job: aigw on vista, 2 node(s) x 1 rank(s); run RUN_ID
# Written by `envkit submit` from the site profile (hash b638a704fd6e729f); every value below is shell-quoted.
set -u
module load tacc-apptainer
module load ompi
cd /scratch/envkit
status=0
# the allocation's first compute host (torchrun's rendezvous, the ranks' MASTER_ADDR), read on the host from the scheduler when the job runs
ENVKIT_RDZV_HOST=$(scontrol show hostnames "$SLURM_JOB_NODELIST" | head -n 1)
if [ -z "$ENVKIT_RDZV_HOST" ]; then
  printf '%s\n' 'envkit: cannot read the first host of the allocation for the rendezvous' >&2
  status=1
else
  env ENVKIT_MASTER_ADDR="$ENVKIT_RDZV_HOST" ibrun -n 2 -o 0 apptainer exec --nv --bind /scratch/envkit/results:/opt/envkit/results /scratch/envkit/store/apptainer/envkit-vista-aigw.sif python3 -m envkit.launch.pmi_env python3 -m envkit.train aigw --site vista --engine apptainer --results /opt/envkit/results --run-id RUN_ID --dist ddp || status=$?
fi
printf '%s\n' "$status" > /scratch/envkit/results/RUN_ID/job-exit-code
exit "$status"

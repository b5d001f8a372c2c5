#!/bin/bash
#PBS -N envkit-aigw
#PBS -l select=2:ncpus=104
#PBS -l walltime=01:00:00
#PBS -A PROJECT
#PBS -q debug
#PBS -o /scratch/envkit/results/RUN_ID/job.log
#PBS -j oe
#PBS -l place=scatter
#PBS -l filesystems=home:flare
# envkit job: aigw on aurora, 2 node(s) x 12 rank(s); run RUN_ID
# Written by `envkit submit` from the site profile (hash 6ce07674ef133af5); every value below is shell-quoted.
set -u
module load apptainer
cd /scratch/envkit
status=0
# the allocation's first compute host (torchrun's rendezvous, the ranks' MASTER_ADDR), read on the host from the scheduler when the job runs
ENVKIT_RDZV_HOST=$(head -n 1 "$PBS_NODEFILE")
if [ -z "$ENVKIT_RDZV_HOST" ]; then
  printf '%s\n' 'envkit: cannot read the first host of the allocation for the rendezvous' >&2
  status=1
else
  mpiexec -n 24 --ppn 12 --depth 8 --cpu-bind depth --env=ENVKIT_MASTER_ADDR="$ENVKIT_RDZV_HOST" apptainer exec --bind /scratch/envkit/results:/opt/envkit/results /scratch/envkit/store/apptainer/envkit-aurora-aigw.sif python3 -m envkit.launch.pmi_env python3 -m envkit.train aigw --site aurora --engine apptainer --results /opt/envkit/results --run-id RUN_ID --dist ddp || status=$?
fi
printf '%s\n' "$status" > /scratch/envkit/results/RUN_ID/job-exit-code
exit "$status"

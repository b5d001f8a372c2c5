#!/bin/bash
#PBS -N envkit-aigw
#PBS -l select=1:ncpus=104
#PBS -l walltime=01:00:00
#PBS -A PROJECT
#PBS -q debug
#PBS -o /scratch/envkit/results/RUN_ID/job.log
#PBS -j oe
#PBS -l place=scatter
#PBS -l filesystems=home:flare
# envkit job: aigw on aurora, 1 node(s) x 12 rank(s); run RUN_ID
# Written by `envkit submit` from the site profile (hash 6ce07674ef133af5); every value below is shell-quoted.
set -u
module load apptainer
cd /scratch/envkit
status=0
mpiexec -n 12 --ppn 12 --depth 8 --cpu-bind depth apptainer exec --bind /scratch/envkit/results:/opt/envkit/results /scratch/envkit/store/apptainer/envkit-aurora-aigw.sif python3 -m envkit.launch.pmi_env python3 -m envkit.train aigw --site aurora --engine apptainer --results /opt/envkit/results --run-id RUN_ID --dist ddp || status=$?
printf '%s\n' "$status" > /scratch/envkit/results/RUN_ID/job-exit-code
exit "$status"

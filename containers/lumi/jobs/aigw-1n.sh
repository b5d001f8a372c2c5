#!/bin/bash
#SBATCH --job-name=envkit-aigw
#SBATCH --nodes=1
#SBATCH --ntasks-per-node=8
#SBATCH --cpus-per-task=7
#SBATCH --time=02:00:00
#SBATCH --account=project_ACCOUNT
#SBATCH --partition=standard-g
#SBATCH --output=/scratch/envkit/results/RUN_ID/job.log
# envkit job: aigw on lumi, 1 node(s) x 8 rank(s); run RUN_ID
# Written by `envkit submit` from the site profile (hash f3308e59d159ffd8); every value below is shell-quoted.
set -u
module load singularity-bindings
cd /scratch/envkit
status=0
srun --nodes=1 --ntasks-per-node=8 --cpus-per-task=7 --partition=standard-g --account=project_ACCOUNT singularity exec --bind /opt/cray,/var/spool/slurmd,/usr/lib64/libcxi.so.1,/opt/cray/libfabric/1.15.2.0/lib64,/scratch/envkit/results:/opt/envkit/results --env LD_LIBRARY_PATH=/opt/cray/pe/mpich/8.1.29/ofi/gnu/9.1/lib-abi-mpich:/opt/cray/pe/lib64:/opt/cray/libfabric/1.15.2.0/lib64:/opt/mpi/lib /scratch/envkit/store/singularity/envkit-lumi-aigw.sif python3 -m envkit.train aigw --site lumi --engine singularity --results /opt/envkit/results --run-id RUN_ID --dist ddp || status=$?
printf '%s\n' "$status" > /scratch/envkit/results/RUN_ID/job-exit-code
exit "$status"

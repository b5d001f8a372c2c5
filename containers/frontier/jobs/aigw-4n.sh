#!/bin/bash
#SBATCH --job-name=envkit-aigw
#SBATCH --nodes=4
#SBATCH --ntasks-per-node=8
#SBATCH --cpus-per-task=7
#SBATCH --time=02:00:00
#SBATCH --account=PROJECT
#SBATCH --partition=batch
#SBATCH --output=/scratch/envkit/results/RUN_ID/job.log
# envkit job: aigw on frontier, 4 node(s) x 8 rank(s); run RUN_ID
# Written by `envkit submit` from the site profile (hash 571d8b19292c13b1); every value below is shell-quoted.
set -u
module load olcf-container-tools
module load apptainer-enable-mpi
cd /scratch/envkit
status=0
srun --nodes=4 --ntasks-per-node=8 --cpus-per-task=7 --partition=batch --account=PROJECT apptainer exec --bind /opt/cray,/var/spool/slurmd,/opt/cray/libfabric/1.22.0/lib64,/scratch/envkit/results:/opt/envkit/results --env LD_LIBRARY_PATH=/opt/cray/pe/mpich/8.1.31/ofi/gnu/12.3/lib-abi-mpich:/opt/cray/pe/lib64:/opt/cray/libfabric/1.22.0/lib64:/opt/mpi/lib /scratch/envkit/store/apptainer/envkit-frontier-aigw.sif python3 -m envkit.train aigw --site frontier --engine apptainer --results /opt/envkit/results --run-id RUN_ID --dist ddp || status=$?
printf '%s\n' "$status" > /scratch/envkit/results/RUN_ID/job-exit-code
exit "$status"

#!/bin/bash
#SBATCH --job-name=envkit-aigw
#SBATCH --nodes=2
#SBATCH --ntasks-per-node=4
#SBATCH --cpus-per-task=32
#SBATCH --gpus-per-node=4
#SBATCH --time=02:00:00
#SBATCH --account=PROJECT_g
#SBATCH --output=/scratch/envkit/results/RUN_ID/job.log
#SBATCH --constraint=gpu
#SBATCH --qos=regular
# envkit job: aigw on perlmutter, 2 node(s) x 4 rank(s); run RUN_ID
# Written by `envkit submit` from the site profile (hash bf1b184db665888c); every value below is shell-quoted.
set -u
cd /scratch/envkit
status=0
srun --nodes=2 --ntasks-per-node=4 --cpus-per-task=32 --account=PROJECT_g --mpi=pmi2 apptainer exec --nv --bind /usr/lib/shifter/mpich-2.2,/var/spool/slurmd,/run/munge,/dev/xpmem,/opt/cray/libfabric/1.20.1/lib64,/global/common/software/nersc9/nccl/2.19/plugin/lib,/scratch/envkit/results:/opt/envkit/results --env LD_LIBRARY_PATH=/usr/lib/shifter/mpich-2.2:/usr/lib/shifter/mpich-2.2/dep:/opt/cray/libfabric/1.20.1/lib64:/global/common/software/nersc9/nccl/2.19/plugin/lib:/opt/mpi/lib /scratch/envkit/store/apptainer/envkit-perlmutter-aigw.sif python3 -m envkit.train aigw --site perlmutter --engine apptainer --results /opt/envkit/results --run-id RUN_ID --dist ddp || status=$?
printf '%s\n' "$status" > /scratch/envkit/results/RUN_ID/job-exit-code
exit "$status"

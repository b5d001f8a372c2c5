#!/bin/bash
#SBATCH --job-name=envkit-aigw
#SBATCH --nodes=2
#SBATCH --ntasks-per-node=8
#SBATCH --cpus-per-task=7
#SBATCH --gpus-per-node=8
#SBATCH --time=02:00:00
#SBATCH --account=PROJECT
#SBATCH --partition=batch
#SBATCH --output=/scratch/envkit/results/RUN_ID/job.log
# envkit job: aigw on frontier, 2 node(s) x 8 rank(s); run RUN_ID
# Written by `envkit submit` from the site profile (hash daed89f484a95057); every value below is shell-quoted.
set -u
module load rocm/6.2.4
module load craype-accel-amd-gfx90a
module load olcf-container-tools
module load apptainer-enable-mpi
module load apptainer-enable-gpu
cd /scratch/envkit
status=0
srun --nodes=2 --ntasks-per-node=8 --cpus-per-task=7 --gpus-per-task=1 --partition=batch --account=PROJECT --gpu-bind=closest apptainer exec --rocm --bind /opt/cray,/var/spool/slurmd,/opt/cray/libfabric/1.22.0/lib64,/ccs/proj/PROJECT/aws-ofi-rccl/lib,/scratch/envkit/results:/opt/envkit/results --env LD_LIBRARY_PATH=/opt/cray/pe/mpich/8.1.31/ofi/gnu/12.3/lib-abi-mpich:/opt/cray/pe/lib64:/opt/cray/libfabric/1.22.0/lib64:/ccs/proj/PROJECT/aws-ofi-rccl/lib:/opt/mpi/lib --env MIOPEN_CUSTOM_CACHE_DIR=/tmp/envkit-miopen-cache --env MIOPEN_USER_DB_PATH=/tmp/envkit-miopen-cache --env NCCL_CROSS_NIC=1 --env NCCL_NET_GDR_LEVEL=3 --env NCCL_SOCKET_IFNAME=hsn0 /scratch/envkit/store/apptainer/envkit-frontier-aigw.sif python3 -m envkit.train aigw --site frontier --engine apptainer --results /opt/envkit/results --run-id RUN_ID --dist ddp || status=$?
printf '%s\n' "$status" > /scratch/envkit/results/RUN_ID/job-exit-code
exit "$status"

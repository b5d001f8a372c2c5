#!/bin/bash
#SBATCH --job-name=envkit-aigw
#SBATCH --nodes=1
#SBATCH --ntasks-per-node=8
#SBATCH --cpus-per-task=7
#SBATCH --gpus-per-node=8
#SBATCH --time=02:00:00
#SBATCH --account=project_ACCOUNT
#SBATCH --partition=standard-g
#SBATCH --output=/scratch/envkit/results/RUN_ID/job.log
# envkit job: aigw on lumi, 1 node(s) x 8 rank(s); run RUN_ID
# Written by `envkit submit` from the site profile (hash ca8c89c08b7722fd); every value below is shell-quoted.
set -u
module load singularity-bindings
cd /scratch/envkit
status=0
srun --nodes=1 --ntasks-per-node=8 --cpus-per-task=7 --partition=standard-g --account=project_ACCOUNT --cpu-bind=mask_cpu:0x00fe000000000000,0xfe00000000000000,0x0000000000fe0000,0x00000000fe000000,0x00000000000000fe,0x000000000000fe00,0x000000fe00000000,0x0000fe0000000000 singularity exec --rocm --bind /opt/cray,/var/spool/slurmd,/usr/lib64/libcxi.so.1,/opt/cray/libfabric/1.15.2.0/lib64,/project/project_ACCOUNT/EasyBuild/SW/LUMI-22.08/G/aws-ofi-rccl/66b3b31-cpeGNU-22.08/lib,/scratch/envkit/results:/opt/envkit/results --env LD_LIBRARY_PATH=/opt/cray/pe/mpich/8.1.29/ofi/gnu/9.1/lib-abi-mpich:/opt/cray/pe/lib64:/opt/cray/libfabric/1.15.2.0/lib64:/project/project_ACCOUNT/EasyBuild/SW/LUMI-22.08/G/aws-ofi-rccl/66b3b31-cpeGNU-22.08/lib:/opt/mpi/lib --env CXI_FORK_SAFE=1 --env CXI_FORK_SAFE_HP=1 --env FI_CXI_DISABLE_CQ_HUGETLB=1 --env MIOPEN_CUSTOM_CACHE_DIR=/tmp/envkit-miopen-cache --env MIOPEN_USER_DB_PATH=/tmp/envkit-miopen-cache --env NCCL_NET_GDR_LEVEL=PHB --env NCCL_SOCKET_IFNAME=hsn0,hsn1,hsn2,hsn3 /scratch/envkit/store/singularity/envkit-lumi-aigw.sif python3 -m envkit.train aigw --site lumi --engine singularity --results /opt/envkit/results --run-id RUN_ID --dist ddp || status=$?
printf '%s\n' "$status" > /scratch/envkit/results/RUN_ID/job-exit-code
exit "$status"

# envkit site layer for alps (profile hash 7c9e78f432e026ce)
set -eu
mkdir -p /opt/cray
mkdir -p /opt/cray/libfabric/1.22.0/lib64
mkdir -p /opt/cscs/aws-ofi-ccl-plugin/cuda12/lib
mkdir -p /var/spool/slurmd
mkdir -p /opt/envkit/manifest
# The validated profile, as the image was built for it (a quoted here-document expands nothing).
cat > /opt/envkit/manifest/site.yaml <<'ENVKIT_SITE_YAML'
base: envkit-base
center: CSCS (Swiss National Supercomputing Centre)
container:
  binds: []
  build_note: CSCS documents the Container Engine (EDF, srun --environment), not Apptainer; envkit has no CE backend
  engine: apptainer
  fakeroot: true
  source: '[read] Container Engine: https://docs.cscs.ch/software/container-engine/ ; Apptainer on Alps [check]'
  version: '1.3'
cpu:
  arch: aarch64
  cores_per_node: 288
  model: NVIDIA Grace (4 x 72 cores)
  sockets_per_node: 4
  source: '[read] ''Each node contains four Grace-Hopper modules'': https://docs.cscs.ch/alps/hardware/ ; 72 cores per Grace [check]'
  threads_per_core: 1
cuda:
  driver: 580.65.06
  source: '[check] the node driver must run CUDA 13: the only CUDA torch builds for aarch64 on PyPI are CUDA 13 (bases/envkit-base.yaml)'
  toolkit: '13.0'
defaults:
  env: {}
  tasks_per_node: 4
gpu:
  compute_capability: '9.0'
  link: NVLink-C2C
  memory_gb: 96
  model: GH200
  per_node: 4
  source: '[read] four GH200 per node: https://docs.cscs.ch/alps/hardware/ ; 96 GB HBM3 each [check]'
  vendor: nvidia
interconnect:
  fabric: slingshot
  host_libfabric: /opt/cray/libfabric/1.22.0/lib64
  nccl_plugin:
    env:
      FI_CXI_DEFAULT_CQ_SIZE: '131072'
      FI_CXI_DEFAULT_TX_SIZE: '16384'
      FI_CXI_DISABLE_HOST_REGISTER: '1'
      FI_CXI_RDZV_EAGER_SIZE: '0'
      FI_CXI_RDZV_GET_MIN: '0'
      FI_CXI_RDZV_PROTO: alt_read
      FI_CXI_RDZV_THRESHOLD: '0'
      FI_PROVIDER: cxi
      NCCL_NET: AWS Libfabric
      NCCL_NET_GDR_LEVEL: PHB
    host_path: /opt/cscs/aws-ofi-ccl-plugin/cuda12/lib
    kind: aws-ofi-nccl
    source: '[read] the variables CSCS sets with the aws_ofi_nccl hook: https://docs.cscs.ch/running/vetnode/ and https://docs.cscs.ch/clusters/daint/ ; the plugin''s host folder [check] (the hook''s variant cuda12)'
  provider: cxi
  source: '[read] Slingshot switch blades; one NIC per GH200 module: https://docs.cscs.ch/alps/hardware/ ; libfabric folder [check]'
  speed: 4 x 200 Gb/s
  transport: ofi
launcher:
  args: []
  cpus_per_task: 72
  gpu_request: none
  kind: srun
  source: '[read] srun -N N --tasks-per-node=4 --environment=EDF: https://docs.cscs.ch/running/vetnode/ ; -c 72 [check]'
modules: []
mpi:
  abi_version: '3.4'
  bind_paths:
  - /opt/cray
  - /var/spool/slurmd
  cuda_aware: false
  image_version: 3.4.3
  install: source
  library_path:
  - /opt/cray/pe/mpich/8.1.32/ofi/gnu/12.3/lib-abi-mpich
  - /opt/cray/pe/lib64
  model: bind
  pmi: none
  source: '[check] Cray MPICH bound by the Container Engine''s MPI hook (https://docs.cscs.ch/software/container-engine/resource-hook/); version and folders (module show cray-mpich)'
  vendor: cray-mpich
  version: 8.1.32
name: alps
nodes:
  count: 2688
  memory_gb: 512
  source: '[read] NVIDIA GH200 node type: 1344 blades, 2688 nodes, 10,752 GPUs: https://docs.cscs.ch/alps/hardware/ ; 4 x 128 GB LPDDR5X [check]'
os:
  name: sles
  source: '[check] HPE Cray OS (SLES 15)'
  version: '15.5'
scheduler:
  account: ACCOUNT
  directives: []
  kind: slurm
  partition: normal
  source: '[check] #SBATCH --account, --partition=normal (docs.cscs.ch/clusters/daint/)'
  walltime: 02:00:00
status: active
title: Alps (Daint), CSCS
ENVKIT_SITE_YAML
printf '%s\n' 7c9e78f432e026ce > /opt/envkit/manifest/profile-hash.txt

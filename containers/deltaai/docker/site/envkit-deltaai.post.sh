# envkit site layer for deltaai (profile hash 7af982a48524a9ea)
set -eu
mkdir -p /opt/cray
mkdir -p /opt/cray/libfabric/1.22.0/lib64
mkdir -p /projects
mkdir -p /sw/user/aws-ofi-nccl/lib
mkdir -p /var/spool/slurmd
mkdir -p /opt/envkit/manifest
# The validated profile, as the image was built for it (a quoted here-document expands nothing).
cat > /opt/envkit/manifest/site.yaml <<'ENVKIT_SITE_YAML'
base: envkit-base
center: NCSA
container:
  binds:
  - /projects
  engine: apptainer
  fakeroot: true
  source: '[check] Apptainer on DeltaAI'
  version: '1.3'
cpu:
  arch: aarch64
  cores_per_node: 288
  model: NVIDIA Grace (4 x 72 cores)
  sockets_per_node: 4
  source: '[check] four GH200 superchips per node (docs.ncsa.illinois.edu/systems/deltaai/)'
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
  source: '[check] 4 x H100 (GH200) 96 GB per node (docs.ncsa.illinois.edu/systems/deltaai/)'
  vendor: nvidia
interconnect:
  fabric: slingshot
  host_libfabric: /opt/cray/libfabric/1.22.0/lib64
  nccl_plugin:
    env:
      FI_CXI_DISABLE_HOST_REGISTER: '1'
      FI_MR_CACHE_MONITOR: userfaultfd
    host_path: /sw/user/aws-ofi-nccl/lib
    kind: aws-ofi-nccl
    source: '[check] the plugin''s folder on DeltaAI; the variables as ALCF''s Slingshot 11 page sets them (https://docs.alcf.anl.gov/polaris/applications-and-libraries/libraries/nccl/)'
  provider: cxi
  source: '[check] Slingshot 11, one NIC per GH200'
  speed: 4 x 200 Gb/s
  transport: ofi
launcher:
  args: []
  cpus_per_task: 72
  gpu_request: none
  kind: srun
  source: '[check]'
modules: []
mpi:
  abi_version: '3.4'
  bind_paths:
  - /opt/cray
  - /var/spool/slurmd
  cuda_aware: false
  host_module: cray-mpich-abi
  image_version: 3.4.3
  install: source
  library_path:
  - /opt/cray/pe/mpich/8.1.30/ofi/gnu/12.3/lib-abi-mpich
  - /opt/cray/pe/lib64
  model: bind
  pmi: none
  source: '[check] Cray MPICH in the bind model as on the other Cray EX systems (module show cray-mpich-abi)'
  vendor: cray-mpich
  version: 8.1.30
name: deltaai
nodes:
  count: 114
  memory_gb: 512
  source: '[check] 114 GH200 nodes (docs.ncsa.illinois.edu/systems/deltaai/)'
os:
  name: sles
  source: '[check] HPE Cray OS (SLES 15)'
  version: '15.5'
scheduler:
  account: ACCOUNT
  directives: []
  kind: slurm
  partition: ghx4
  source: '[check] partition ghx4 (docs.ncsa.illinois.edu/systems/deltaai/)'
  walltime: 02:00:00
status: active
title: DeltaAI, NCSA
ENVKIT_SITE_YAML
printf '%s\n' 7af982a48524a9ea > /opt/envkit/manifest/profile-hash.txt

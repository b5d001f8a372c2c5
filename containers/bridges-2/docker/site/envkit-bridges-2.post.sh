# envkit site layer for bridges-2 (profile hash 807c77b7adf50cb1)
set -eu
mkdir -p /jet
mkdir -p /ocean
mkdir -p /opt/envkit/manifest
# The validated profile, as the image was built for it (a quoted here-document expands nothing).
cat > /opt/envkit/manifest/site.yaml <<'ENVKIT_SITE_YAML'
base: envkit-base
center: PSC
container:
  binds:
  - /ocean
  - /jet
  build_note: NGC images in /ocean/containers/ngc, build on a compute node with singularity pull --disable-cache
  engine: singularity
  fakeroot: false
  source: '[read: pscedu/psc-wpdocs]'
  version: '3.8'
cpu:
  arch: x86_64
  cores_per_node: 40
  model: Intel Xeon Gold 6248 (Cascade Lake)
  sockets_per_node: 2
  source: '[check] Bridges-2 V100 GPU nodes'
  threads_per_core: 1
cuda:
  cudnn: '8.5'
  driver: 515.65.01
  source: '[check]'
  toolkit: '11.7'
defaults:
  env: {}
gpu:
  compute_capability: '7.0'
  link: NVLink 2.0
  memory_gb: 32
  model: V100
  per_node: 8
  source: '[read: pscedu/psc-wpdocs] Bridges-2 GPU nodes: 8 x V100 32 GB'
  vendor: nvidia
interconnect:
  fabric: infiniband
  source: '[read: https://www.psc.edu/bridges-2-system-configuration/] GPU nodes: 2 Mellanox ConnectX-6 HDR InfiniBand 200 Gb/s adapters'
  speed: 2 x HDR-200 (400 Gb/s per GPU node)
  transport: ucx
launcher:
  args: []
  cpus_per_task: 5
  gpu_request: gres
  gres_type: v100-32
  kind: srun
  source: '[check] --gres=gpu:v100-32:N'
modules:
- openmpi/4.0.5-gcc10.2.0
mpi:
  bind_paths: []
  cuda_aware: true
  install: source
  model: hybrid
  pmi: pmix
  source: '[check] Open MPI 4.0.5 module'
  vendor: openmpi
  version: 4.0.5
name: bridges-2
nodes:
  count: 24
  memory_gb: 512
  source: '[read: https://www.psc.edu/bridges-2-system-configuration/] 24 GPU nodes, 8 V100-32GB, 512 GB DDR4-2933 each'
os:
  name: rocky
  source: '[check]'
  version: '8'
scheduler:
  account: ACCOUNT
  directives: []
  kind: slurm
  partition: GPU
  source: '[check] partitions GPU and GPU-shared; interact --partition GPU-shared --gres=gpu:v100:4 in PSC''s examples [read: pscedu/psc-wpdocs]'
  walltime: '48:00:00'
status: active
title: Bridges-2, Pittsburgh Supercomputing Center
ENVKIT_SITE_YAML
printf '%s\n' 807c77b7adf50cb1 > /opt/envkit/manifest/profile-hash.txt

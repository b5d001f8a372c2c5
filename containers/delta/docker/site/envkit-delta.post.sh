# envkit site layer for delta (profile hash ee7236a84863999d)
set -eu
mkdir -p /projects
mkdir -p /scratch
mkdir -p /sw/external/aws-ofi-nccl/lib
mkdir -p /opt/envkit/manifest
# The validated profile, as the image was built for it (a quoted here-document expands nothing).
cat > /opt/envkit/manifest/site.yaml <<'ENVKIT_SITE_YAML'
base: envkit-base
center: NCSA
container:
  binds:
  - /projects
  - /scratch
  engine: apptainer
  fakeroot: true
  source: '[read] ''apptainer run --nv --bind /projects/bbXX'': https://docs.ncsa.illinois.edu/systems/delta/en/latest/user_guide/containers.html ; version [check]'
  version: '1.2'
cpu:
  arch: x86_64
  cores_per_node: 64
  model: AMD EPYC 7763 (Milan)
  sockets_per_node: 1
  source: '[read] ''Single socket, 4-way NVIDIA A100 GPU compute nodes'', ''Each socket of the A40 and A100 GPU nodes contains an AMD 7763 processor'', SMT off: https://docs.ncsa.illinois.edu/systems/delta/en/latest/user_guide/architecture.html'
  threads_per_core: 1
cuda:
  cudnn: '9.1'
  driver: 550.54.15
  source: '[check]'
  toolkit: '12.4'
defaults:
  env: {}
gpu:
  compute_capability: '8.0'
  link: NVLink 3.0
  memory_gb: 40
  model: A100
  per_node: 4
  source: '[paper names Delta] 4 x A100 per gpuA100x4 node: https://docs.ncsa.illinois.edu/systems/delta/en/latest/user_guide/architecture.html ; 40 GB [check]'
  vendor: nvidia
interconnect:
  fabric: slingshot
  nccl_plugin:
    env:
      FI_CXI_DISABLE_HOST_REGISTER: '1'
      FI_MR_CACHE_MONITOR: userfaultfd
    host_path: /sw/external/aws-ofi-nccl/lib
    kind: aws-ofi-nccl
    source: '[check] the plugin''s folder on Delta (module show aws-ofi-nccl); the variables as NERSC''s and ALCF''s Slingshot 11 pages set them (https://docs.alcf.anl.gov/polaris/applications-and-libraries/libraries/nccl/)'
  provider: cxi
  source: '[read] ''A low latency and high bandwidth HPE/Cray Slingshot interconnect between compute nodes'': https://docs.ncsa.illinois.edu/systems/delta/en/latest/user_guide/architecture.html'
  speed: 200 Gb/s
  transport: ofi
launcher:
  args: []
  cpus_per_task: 16
  gpu_request: gpus-per-task
  kind: srun
  source: '[check]'
modules: []
mpi:
  bind_paths: []
  cuda_aware: true
  install: source
  model: hybrid
  pmi: pmix
  source: '[check] Open MPI 4.1 module'
  vendor: openmpi
  version: 4.1.5
name: delta
nodes:
  count: 100
  memory_gb: 256
  source: '[read] ''The CPU-only and 4-way GPU nodes have 256 GB of RAM per node'': https://docs.ncsa.illinois.edu/systems/delta/en/latest/user_guide/architecture.html ; 100 gpuA100x4 nodes [check]'
os:
  name: rhel
  source: '[check]'
  version: '8.8'
scheduler:
  account: ACCOUNT
  directives: []
  kind: slurm
  partition: gpuA100x4
  source: '[check] partition gpuA100x4'
  walltime: '48:00:00'
status: active
title: Delta, NCSA
ENVKIT_SITE_YAML
printf '%s\n' ee7236a84863999d > /opt/envkit/manifest/profile-hash.txt

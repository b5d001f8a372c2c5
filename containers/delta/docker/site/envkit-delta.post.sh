# envkit site layer for delta (profile hash 1587659521a2e60a)
set -eu
mkdir -p /projects
mkdir -p /scratch
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
  source: '[check] Apptainer on Delta'
  version: '1.2'
cpu:
  arch: x86_64
  cores_per_node: 64
  model: AMD EPYC 7763 (Milan)
  sockets_per_node: 1
  source: '[check] Delta gpuA100x4 nodes: one 64-core AMD Milan'
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
  source: '[paper names Delta, details check] 4 x A100 40 GB per gpuA100x4 node'
  vendor: nvidia
interconnect:
  fabric: slingshot
  source: '[check] HPE Slingshot'
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
  source: '[check] 100 four-way A100 nodes'
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
printf '%s\n' 1587659521a2e60a > /opt/envkit/manifest/profile-hash.txt

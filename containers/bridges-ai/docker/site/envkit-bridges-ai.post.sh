# envkit site layer for bridges-ai (profile hash 38cc906887e4350c)
set -eu
mkdir -p /pylon5
mkdir -p /opt/envkit/manifest
# The validated profile, as the image was built for it (a quoted here-document expands nothing).
cat > /opt/envkit/manifest/site.yaml <<'ENVKIT_SITE_YAML'
base: envkit-base
center: PSC
container:
  binds:
  - /pylon5
  build_note: 'PSC practice: singularity pull --disable-cache, build on a compute node under interact in node-local scratch'
  engine: singularity
  fakeroot: false
  source: '[read: pscedu/psc-wpdocs] singularity exec --nv, /pylon5 [check]; Singularity 3.5 (Sylabs, before the SingularityCE name of 3.8) [check]'
  version: '3.5'
cpu:
  arch: x86_64
  cores_per_node: 40
  model: Intel Xeon Gold 6148 (HPE Apollo 6500)
  sockets_per_node: 2
  source: '[check] Intel Xeon Gold in HPE Apollo 6500 servers'
  threads_per_core: 1
cuda:
  cudnn: '8.0'
  driver: 440.33.01
  source: '[check] CUDA 10 era driver'
  toolkit: '10.2'
defaults:
  env: {}
gpu:
  compute_capability: '7.0'
  link: NVLink 2.0
  memory_gb: 16
  model: V100
  per_node: 8
  source: '[paper] 8 x V100 16 GB with NVLink 2.0 per server, 72 V100 in Fig. 3'
  vendor: nvidia
interconnect:
  fabric: omni-path
  source: '[check] Bridges'' fabric was Intel Omni-Path: MPI in the image needs PSM2 (libpsm2)'
  speed: 100 Gb/s
  transport: psm2
launcher:
  args: []
  cpus_per_task: 5
  gpu_request: gres
  gres_type: volta16
  kind: srun
  source: '[check] Bridges GPU jobs asked --gres=gpu:volta16:N'
modules:
- singularity
mpi:
  bind_paths: []
  cuda_aware: true
  install: source
  model: hybrid
  pmi: pmix
  source: '[check] Open MPI 4.0 built with PSM2 for Omni-Path'
  vendor: openmpi
  version: 4.0.5
name: bridges-ai
nodes:
  count: 9
  memory_gb: 192
  source: '[paper] 9 HPE Apollo 6500 servers; memory per Apollo node [check] (1.5 TB was the DGX-2''s)'
os:
  name: centos
  source: '[check] CentOS 7'
  version: '7.6'
scheduler:
  account: ACCOUNT
  directives: []
  kind: slurm
  partition: GPU-AI
  source: '[check] Bridges partition GPU-AI; interact for interactive jobs [read: pscedu/psc-wpdocs]'
  walltime: '48:00:00'
status: retired
title: Bridges-AI, Pittsburgh Supercomputing Center
ENVKIT_SITE_YAML
printf '%s\n' 38cc906887e4350c > /opt/envkit/manifest/profile-hash.txt

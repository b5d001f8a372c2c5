# envkit site layer for hal (profile hash 3ee01c02fe34daeb)
set -eu
mkdir -p /home
mkdir -p /projects
mkdir -p /opt/envkit/manifest
# The validated profile, as the image was built for it (a quoted here-document expands nothing).
cat > /opt/envkit/manifest/site.yaml <<'ENVKIT_SITE_YAML'
base: envkit-base
center: NCSA
container:
  binds:
  - /home
  - /projects
  build_note: Build on a compute node, swrun -s finds a .sif in the HAL container registry folder
  engine: singularity
  fakeroot: true
  source: '[read: https://github.com/ncsa/swsuite] swrun -s runs singularity from the HAL_CONTAINER_REGISTRY folder (Singularity 3.x, before the SingularityCE name: version [check]); bind paths [check]'
  version: '3.6'
cpu:
  arch: ppc64le
  cores_per_node: 40
  model: IBM POWER9 (IBM AC922 nodes)
  sockets_per_node: 2
  source: '[read: ncsa/swsuite sets threads-per-core=4] AC922 POWER9, core count [check]'
  threads_per_core: 4
cuda:
  cudnn: '8.1'
  driver: 460.32.03
  source: '[check] CUDA 10.x with WML-CE 1.6.2, 11.x with OpenCE (NCSA HAL user documentation, wiki.ncsa.illinois.edu)'
  toolkit: '11.2'
defaults:
  env: {}
gpu:
  compute_capability: '7.0'
  link: NVLink 2.0
  memory_gb: 16
  model: V100
  per_node: 4
  source: '[paper] 64 NVIDIA V100, 4 per node, NVLink 2.0, 16 GB [check]'
  vendor: nvidia
interconnect:
  fabric: infiniband
  source: '[paper] EDR InfiniBand across nodes'
  speed: EDR 100 Gb/s
  transport: ucx
launcher:
  args: []
  cpus_per_task: 16
  gpu_request: gres
  gres_type: v100
  kind: srun
  source: '[read: ncsa/swsuite] srun --partition=gpu --gres=gpu:v100:N, -c cpus per GPU'
modules: []
mpi:
  bind_paths: []
  cuda_aware: true
  install: source
  model: hybrid
  pmi: pmix
  source: '[check] Open MPI 4.x from modules, hybrid model needs the image''s Open MPI to match'
  vendor: openmpi
  version: 4.1.1
name: hal
nodes:
  count: 16
  memory_gb: 256
  source: '[paper] 16 nodes, memory per node [check]'
os:
  name: rhel
  source: '[check] Red Hat Enterprise Linux 7 on POWER9'
  version: '7.6'
scheduler:
  account: ACCOUNT
  directives: []
  kind: slurm
  partition: gpu
  source: '[read: https://github.com/ncsa/swsuite conf/swconf.yaml and README] at most 24 h (HOURS_UL, TIME 24:00:00), jobs of 4 h or less go to debug (HOURS_DEBUG); swrun -p gpuxN for an interactive job'
  walltime: '24:00:00'
status: active
title: HAL, NCSA Hardware-Accelerated Learning cluster
ENVKIT_SITE_YAML
printf '%s\n' 3ee01c02fe34daeb > /opt/envkit/manifest/profile-hash.txt

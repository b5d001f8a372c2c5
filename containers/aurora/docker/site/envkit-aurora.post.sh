# envkit site layer for aurora (profile hash 6ce07674ef133af5)
set -eu
mkdir -p /opt/envkit/manifest
# The validated profile, as the image was built for it (a quoted here-document expands nothing).
cat > /opt/envkit/manifest/site.yaml <<'ENVKIT_SITE_YAML'
base: envkit-base
center: ALCF (Argonne National Laboratory)
container:
  binds: []
  engine: apptainer
  fakeroot: true
  source: '[check] Apptainer on Aurora (docs.alcf.anl.gov/aurora/containers/containers/)'
  version: '1.3'
cpu:
  arch: x86_64
  cores_per_node: 104
  model: Intel Xeon CPU Max 9470C (Sapphire Rapids), 2 x 52 cores
  sockets_per_node: 2
  source: '[check] two 52-core Xeon CPU Max per node (docs.alcf.anl.gov/aurora/hardware-overview/machine-overview/)'
  threads_per_core: 2
defaults:
  env: {}
  tasks_per_node: 12
gpu:
  memory_gb: 0
  per_node: 0
  source: '[check] 6 x Intel Data Center GPU Max 1550 per node, not used: envkit.profile.mpi INTEL_GPU_UNSUPPORTED'
  vendor: none
interconnect:
  fabric: slingshot
  provider: cxi
  source: '[check] Slingshot 11, 8 NICs per node'
  speed: 8 x 200 Gb/s
  transport: ofi
launcher:
  args: []
  cpus_per_task: 8
  gpu_request: none
  kind: mpiexec-pals
  source: '[check] mpiexec -n N -ppn K --depth D --cpu-bind depth as on Polaris (https://docs.alcf.anl.gov/polaris/running-jobs/)'
modules:
- apptainer
mpi:
  bind_paths: []
  cuda_aware: false
  install: source
  model: hybrid
  pmi: none
  source: '[check] Aurora''s MPI is MPICH (module mpich), launched by PALS mpiexec (docs.alcf.anl.gov/aurora/running-jobs-aurora/)'
  vendor: mpich
  version: 4.2.0
name: aurora
nodes:
  count: 10624
  memory_gb: 1024
  source: '[check] 10,624 nodes, 1 TB DDR5 each (docs.alcf.anl.gov/aurora/)'
os:
  name: sles
  source: '[check] SUSE Linux Enterprise Server 15'
  version: '15.5'
scheduler:
  account: PROJECT
  directives:
  - -l place=scatter
  - -l filesystems=home:flare
  kind: pbs
  queue: debug
  required:
  - place
  - filesystems
  - account
  source: '[check] #PBS -l select=N, -l place=scatter, -l filesystems=home:flare, -A, -q (docs.alcf.anl.gov/aurora/running-jobs-aurora/)'
  walltime: 01:00:00
status: active
title: Aurora, ALCF (CPUs; the Intel GPUs are not used)
ENVKIT_SITE_YAML
printf '%s\n' 6ce07674ef133af5 > /opt/envkit/manifest/profile-hash.txt

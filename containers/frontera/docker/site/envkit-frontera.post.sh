# envkit site layer for frontera (profile hash 57b5c4cb1dbb8554)
set -eu
mkdir -p /opt/intel
mkdir -p /opt/envkit/manifest
# The validated profile, as the image was built for it (a quoted here-document expands nothing).
cat > /opt/envkit/manifest/site.yaml <<'ENVKIT_SITE_YAML'
base: envkit-base
center: TACC (The University of Texas at Austin)
container:
  binds: []
  engine: apptainer
  fakeroot: false
  source: '[read] ''module load tacc-apptainer'', ''apptainer exec --nv'': https://docs.tacc.utexas.edu/aiml/containers/ ; version [check]'
  version: '1.3'
cpu:
  arch: x86_64
  cores_per_node: 16
  model: 2 x Intel Xeon E5-2620 v4 (Broadwell), 8 cores each
  sockets_per_node: 2
  source: '[check] the rtx nodes'' CPUs (docs.tacc.utexas.edu/hpc/frontera/#system-gpu)'
  threads_per_core: 1
cuda:
  driver: 535.104.05
  source: '[check] cuda module and the node driver (nvidia-smi on an rtx node)'
  toolkit: '12.2'
defaults:
  env: {}
  tasks_per_node: 4
gpu:
  compute_capability: '7.5'
  link: PCIe Gen3
  memory_gb: 16
  model: Quadro-RTX-5000
  per_node: 4
  source: '[read] ''4 NVIDIA Quadro RTX 5000 / node'', ''16GB GDDR6 / card'': https://docs.tacc.utexas.edu/hpc/frontera/'
  vendor: nvidia
interconnect:
  fabric: infiniband
  provider: verbs
  source: '[read] ''full HDR (200 Gb/s) connectivity between the switches and HDR100 (100 Gb/s) connectivity to the compute nodes'': https://docs.tacc.utexas.edu/hpc/frontera/'
  speed: HDR100 100 Gb/s
  transport: ucx
launcher:
  args: []
  gpu_request: none
  kind: ibrun
  source: '[read] ''use the TACC-specific MPI launcher ibrun ... a Frontera-aware replacement for generic MPI launchers like mpirun and mpiexec'', ibrun -n 56 -o 0: https://docs.tacc.utexas.edu/hpc/frontera/'
modules:
- tacc-apptainer
- impi
mpi:
  abi_version: '3.3'
  bind_paths:
  - /opt/intel
  cuda_aware: false
  host_module: impi
  image_version: 3.3.2
  install: source
  library_path:
  - /opt/intel/compilers_and_libraries_2020.4.304/linux/mpi/intel64/lib/release
  - /opt/intel/compilers_and_libraries_2020.4.304/linux/mpi/intel64/lib
  model: bind
  pmi: none
  source: '[read] module impi/19.0.9 in the module examples, ''both Intel MPI and MVAPICH2 will distribute and pin tasks'': https://docs.tacc.utexas.edu/hpc/frontera/ ; its folders and MPICH base [check] (module show impi)'
  vendor: intel
  version: 19.0.9
name: frontera
nodes:
  count: 90
  memory_gb: 128
  source: '[read] ''Frontera hosts 90 GPU nodes ... the rtx and rtx-dev queues'': https://docs.tacc.utexas.edu/hpc/frontera/ ; 128 GB [check]'
os:
  name: centos
  source: '[check] Frontera''s OS'
  version: '7.9'
scheduler:
  account: PROJECT
  directives: []
  kind: slurm
  partition: rtx
  source: '[read] the rtx and rtx-dev queues: https://docs.tacc.utexas.edu/hpc/frontera/'
  walltime: 02:00:00
status: active
title: Frontera, TACC (rtx GPU nodes)
ENVKIT_SITE_YAML
printf '%s\n' 57b5c4cb1dbb8554 > /opt/envkit/manifest/profile-hash.txt

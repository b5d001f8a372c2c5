# envkit site layer for lonestar6 (profile hash a79bf5036f45dffd)
set -eu
mkdir -p /opt/intel
mkdir -p /opt/envkit/manifest
# The validated profile, as the image was built for it (a quoted here-document expands nothing).
cat > /opt/envkit/manifest/site.yaml <<'ENVKIT_SITE_YAML'
base: envkit-base
center: TACC (The University of Texas at Austin)
container:
  binds: []
  build_note: build elsewhere (or pull) and run with module load tacc-apptainer
  engine: apptainer
  fakeroot: false
  source: '[read] ''module load tacc-apptainer'', ''apptainer exec --nv'': https://docs.tacc.utexas.edu/aiml/containers/ ; version [check]'
  version: '1.3'
cpu:
  arch: x86_64
  cores_per_node: 128
  model: 2 x AMD EPYC 7763 (Milan), 64 cores each
  sockets_per_node: 2
  source: '[read] A100 GPU nodes: ''2x AMD EPYC 7763 64-Core Processor'', ''128 cores on two sockets'': https://docs.tacc.utexas.edu/hpc/lonestar6/'
  threads_per_core: 1
cuda:
  driver: 535.104.05
  source: '[check] cuda/12.2 module and the node driver (nvidia-smi on a gpu-a100 node)'
  toolkit: '12.2'
defaults:
  env: {}
  tasks_per_node: 3
gpu:
  compute_capability: '8.0'
  link: PCIe Gen4
  memory_gb: 40
  model: A100
  per_node: 3
  source: '[read] ''3x NVIDIA A100 PCIE 40GB'': https://docs.tacc.utexas.edu/hpc/lonestar6/'
  vendor: nvidia
interconnect:
  fabric: infiniband
  provider: verbs
  source: '[read] ''Mellanox HDR technology with full HDR (200 Gb/s) connectivity'': https://docs.tacc.utexas.edu/hpc/lonestar6/'
  speed: HDR 200 Gb/s
  transport: ucx
launcher:
  args: []
  gpu_request: none
  kind: ibrun
  source: '[read] ''use the TACC-specific MPI launcher ibrun ... a Lonestar6-aware replacement for generic MPI launchers like mpirun and mpiexec'', ibrun -n N -o OFFSET: https://docs.tacc.utexas.edu/hpc/lonestar6/ ; the gpu-a100 queue gives whole nodes, no --gpus directive [check]'
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
  source: '[read] ''Intel MPI (module impi) and MVAPICH2 (module mvapich2) are the two MPI libraries available on Lonestar6'': https://docs.tacc.utexas.edu/hpc/lonestar6/ ; Intel MPI 2019 is MPICH-ABI (libmpi.so.12, https://www.mpich.org/abi/); version, folders and its MPICH base: [check] (module show impi)'
  vendor: intel
  version: 19.0.9
name: lonestar6
nodes:
  count: 84
  memory_gb: 256
  source: '[read] ''84 A100 GPU nodes'', 256 GB of DDR4 per node: https://docs.tacc.utexas.edu/hpc/lonestar6/'
os:
  name: rocky
  source: '[read] ''All Lonestar6 nodes run Rocky 8.4'': https://docs.tacc.utexas.edu/hpc/lonestar6/'
  version: '8.4'
scheduler:
  account: PROJECT
  directives: []
  kind: slurm
  partition: gpu-a100
  source: '[read] queue gpu-a100 (max 8 nodes, 48 h): https://docs.tacc.utexas.edu/hpc/lonestar6/'
  walltime: 02:00:00
status: active
title: Lonestar6, TACC (A100 nodes)
ENVKIT_SITE_YAML
printf '%s\n' a79bf5036f45dffd > /opt/envkit/manifest/profile-hash.txt

# envkit site layer for vista (profile hash b638a704fd6e729f)
set -eu
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
  arch: aarch64
  cores_per_node: 72
  model: NVIDIA Grace, 72 cores
  sockets_per_node: 1
  source: '[read] GH node: ''NVIDIA Grace CPU'', ''72 cores on one socket'': https://docs.tacc.utexas.edu/hpc/vista/'
  threads_per_core: 1
cuda:
  driver: 580.65.06
  source: '[check] the node driver must run CUDA 13: the only CUDA torch builds for aarch64 on PyPI are CUDA 13 (bases/envkit-base.yaml)'
  toolkit: '13.0'
defaults:
  env: {}
  tasks_per_node: 1
gpu:
  compute_capability: '9.0'
  link: NVLink-C2C
  memory_gb: 96
  model: GH200
  per_node: 1
  source: '[read] ''Each GH node has one H200 GPU with 96 GB of HBM3 memory'': https://docs.tacc.utexas.edu/hpc/vista/'
  vendor: nvidia
interconnect:
  fabric: infiniband
  provider: verbs
  source: '[read] ''These nodes connect via an NVIDIA InfiniBand 400 Gb/s fabric'': https://docs.tacc.utexas.edu/hpc/vista/'
  speed: NDR 400 Gb/s
  transport: ucx
launcher:
  args: []
  gpu_request: none
  kind: ibrun
  source: '[read] ''use the TACC-specific MPI launcher ibrun, which is a Vista-aware replacement for generic MPI launchers like mpirun and mpiexec'': https://docs.tacc.utexas.edu/hpc/vista/ ; no --gpus directive in the gh queue [check]'
modules:
- tacc-apptainer
- ompi
mpi:
  bind_paths: []
  cuda_aware: true
  install: source
  model: hybrid
  pmi: pmix
  source: '[read] ''OpenMPI (module ompi) and MVAPICH (module mvapich) are the two MPI libraries available on Vista'', ''module load ompi/5.0'': https://docs.tacc.utexas.edu/hpc/vista/ ; 5.0.5 [check]'
  vendor: openmpi
  version: 5.0.5
name: vista
nodes:
  count: 600
  memory_gb: 116
  source: '[read] ''Vista hosts 600 Grace Hopper (GH) nodes'', ''one Grace CPU with 116 GB of LPDDR memory'': https://docs.tacc.utexas.edu/hpc/vista/'
os:
  name: rocky
  source: '[check] Vista''s OS'
  version: '9.4'
scheduler:
  account: PROJECT
  directives: []
  kind: slurm
  partition: gh
  source: '[read] queue gh (Grace/Hopper, 64 nodes, 48 h): https://docs.tacc.utexas.edu/hpc/vista/'
  walltime: 02:00:00
status: active
title: Vista, TACC (Grace Hopper nodes)
ENVKIT_SITE_YAML
printf '%s\n' b638a704fd6e729f > /opt/envkit/manifest/profile-hash.txt

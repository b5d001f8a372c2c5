# envkit site layer for frontier (profile hash 571d8b19292c13b1)
set -eu
mkdir -p /opt/cray
mkdir -p /opt/cray/libfabric/1.22.0/lib64
mkdir -p /var/spool/slurmd
mkdir -p /opt/envkit/manifest
# The validated profile, as the image was built for it (a quoted here-document expands nothing).
cat > /opt/envkit/manifest/site.yaml <<'ENVKIT_SITE_YAML'
base: envkit-base
center: OLCF (Oak Ridge National Laboratory)
container:
  binds: []
  build_note: load the apptainer-enable-* modules only to run, never before apptainer build (OLCF's warning)
  engine: apptainer
  fakeroot: true
  source: '[read] https://docs.olcf.ornl.gov/software/containers_on_frontier.html ; version [check]'
  version: '1.3'
cpu:
  arch: x86_64
  cores_per_node: 64
  model: AMD EPYC 7A53 (Trento), 64 cores
  sockets_per_node: 1
  source: '[check] one 64-core optimized 3rd Gen EPYC, 2 hardware threads per core (docs.olcf.ornl.gov/systems/frontier_user_guide.html)'
  threads_per_core: 2
defaults:
  env: {}
  tasks_per_node: 8
gpu:
  memory_gb: 0
  per_node: 0
  source: '[check] 4 x AMD MI250X (8 GCDs) per node, not used: envkit has no ROCm base yet (envkit.profile.mpi ROCM_UNSUPPORTED)'
  vendor: none
interconnect:
  fabric: slingshot
  host_libfabric: /opt/cray/libfabric/1.22.0/lib64
  provider: cxi
  source: '[check] Slingshot 11, four NICs per node; libfabric folder (module show libfabric)'
  speed: 4 x 200 Gb/s
  transport: ofi
launcher:
  args: []
  cpus_per_task: 7
  gpu_request: none
  kind: srun
  source: '[read] ''srun -N2 -n16 --gpus-per-task=1 --gpu-bind=closest --unbuffered apptainer exec ...'' after ''module load olcf-container-tools'', ''module load apptainer-enable-mpi'', ''module load apptainer-enable-gpu'': https://docs.olcf.ornl.gov/software/containers_on_frontier.html ; -c 7 per rank [check]'
modules:
- olcf-container-tools
- apptainer-enable-mpi
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
  - /opt/cray/pe/mpich/8.1.31/ofi/gnu/12.3/lib-abi-mpich
  - /opt/cray/pe/lib64
  model: bind
  pmi: none
  source: '[read] ''MPICH 3.4.2 is ABI compatible with the cray-mpich-abi module even though cray-mpich is based on MPICH 3.4a2 ... we will be mounting the Cray MPICH libraries into the container'', and OLCF''s images use mpich 3.4.3: https://docs.olcf.ornl.gov/software/containers_on_frontier.html ; the cray-mpich version and its folders: [check]; no --mpi: the host Cray MPICH uses Slurm''s default PMI as OLCF''s srun line (module show cray-mpich-abi; OLCF''s apptainer-enable-mpi module binds them)'
  vendor: cray-mpich
  version: 8.1.31
name: frontier
nodes:
  count: 9408
  memory_gb: 512
  source: '[check] 9,408 nodes, 512 GB DDR4 each (docs.olcf.ornl.gov/systems/frontier_user_guide.html)'
os:
  name: sles
  source: '[check] HPE Cray OS (SLES 15)'
  version: '15.5'
scheduler:
  account: PROJECT
  directives: []
  kind: slurm
  partition: batch
  source: '[check] #SBATCH -A, -p batch (docs.olcf.ornl.gov/systems/frontier_user_guide.html)'
  walltime: 02:00:00
status: active
title: Frontier, OLCF (CPUs; the MI250X GPUs are not used yet)
ENVKIT_SITE_YAML
printf '%s\n' 571d8b19292c13b1 > /opt/envkit/manifest/profile-hash.txt

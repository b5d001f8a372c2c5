# envkit site layer for frontier (profile hash daed89f484a95057)
set -eu
mkdir -p /ccs/proj/PROJECT/aws-ofi-rccl/lib
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
  link: Infinity Fabric
  memory_gb: 64
  model: MI250X
  per_node: 8
  source: '[read] ''[4x] AMD MI250X, each with 2 Graphics Compute Dies (GCDs) for a total of 8 GCDs per node. The programmer can think of the 8 GCDs as 8 separate GPUs, each having 64 GB of high-bandwidth memory (HBM2E)'': https://docs.olcf.ornl.gov/systems/frontier_user_guide.html'
  vendor: amd
interconnect:
  fabric: slingshot
  host_libfabric: /opt/cray/libfabric/1.22.0/lib64
  nccl_plugin:
    env:
      NCCL_CROSS_NIC: '1'
      NCCL_NET_GDR_LEVEL: '3'
      NCCL_SOCKET_IFNAME: hsn0
    host_path: /ccs/proj/PROJECT/aws-ofi-rccl/lib
    kind: aws-ofi-rccl
    source: '[read] ''export NCCL_SOCKET_IFNAME=hsn0'', ''export NCCL_NET_GDR_LEVEL=3'', ''export NCCL_CROSS_NIC=1'', and the aws-ofi-rccl plugin you build (awsofircclbuild.sh) put on APPTAINERENV_LD_LIBRARY_PATH: https://github.com/olcf/olcf_containers_examples/blob/main/frontier/containers_on_frontier_docs/rccltests/submit.sbatch ; host_path: the folder you built it in [check]'
  provider: cxi
  source: '[check] Slingshot 11, four NICs per node; libfabric folder (module show libfabric)'
  speed: 4 x 200 Gb/s
  transport: ofi
launcher:
  args:
  - --gpu-bind=closest
  cpus_per_task: 7
  gpu_request: gpus-per-task
  kind: srun
  source: '[read] ''srun -N4 --label --tasks-per-node=8 -c7 --gpus-per-task=1 --gpu-bind=closest apptainer exec --workdir ... --rocm pytorch.sif ./pyrun.sh'': https://github.com/olcf/olcf_containers_examples/blob/main/frontier/sample_apps/pytorch/olcfbaseimage/submit.sbatch ; ''srun -N2 -n16 -c7 --gpus-per-task=1 --gpu-bind=closest python3 ...'': https://docs.olcf.ornl.gov/software/python/pytorch_frontier.html'
modules:
- rocm/6.2.4
- craype-accel-amd-gfx90a
- olcf-container-tools
- apptainer-enable-mpi
- apptainer-enable-gpu
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
rocm:
  miopen_user_db_path: /tmp/envkit-miopen-cache
  source: '[read] ''module load rocm/6.2.4'', and ''export MIOPEN_USER_DB_PATH=/tmp/my-miopen-cache'' under ''# Needed to bypass MIOpen, Disk I/O Errors'': https://github.com/olcf/olcf_containers_examples/blob/main/frontier/sample_apps/pytorch/olcfbaseimage/submit.sbatch and https://docs.olcf.ornl.gov/software/python/pytorch_frontier.html ; the rocm module a site defaults to: [check] (module avail rocm)'
  version: 6.2.4
scheduler:
  account: PROJECT
  directives: []
  kind: slurm
  partition: batch
  source: '[check] #SBATCH -A, -p batch (docs.olcf.ornl.gov/systems/frontier_user_guide.html)'
  walltime: 02:00:00
status: active
title: Frontier, OLCF
ENVKIT_SITE_YAML
printf '%s\n' daed89f484a95057 > /opt/envkit/manifest/profile-hash.txt

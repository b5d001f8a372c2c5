# envkit site layer for perlmutter (profile hash bf1b184db665888c)
set -eu
mkdir -p /dev/xpmem
mkdir -p /global/common/software/nersc9/nccl/2.19/plugin/lib
mkdir -p /opt/cray/libfabric/1.20.1/lib64
mkdir -p /run/munge
mkdir -p /usr/lib/shifter/mpich-2.2
mkdir -p /var/spool/slurmd
mkdir -p /opt/envkit/manifest
# The validated profile, as the image was built for it (a quoted here-document expands nothing).
cat > /opt/envkit/manifest/site.yaml <<'ENVKIT_SITE_YAML'
base: envkit-base
center: NERSC (Lawrence Berkeley National Laboratory)
container:
  binds: []
  build_note: NERSC documents podman-hpc and Shifter; envkit's Apptainer line stands in for them [check]
  engine: apptainer
  fakeroot: true
  source: '[check] Apptainer on Perlmutter; NERSC''s own runtimes: podman-hpc, Shifter (docs.nersc.gov/development/containers/)'
  version: '1.3'
cpu:
  arch: x86_64
  cores_per_node: 64
  model: AMD EPYC 7763 (Milan)
  sockets_per_node: 1
  source: '[check] one 64-core AMD EPYC 7763 per GPU node, 2 hardware threads per core (docs.nersc.gov/systems/perlmutter/architecture/)'
  threads_per_core: 2
cuda:
  driver: 550.54.15
  source: '[check] cudatoolkit module and the node driver (nvidia-smi)'
  toolkit: '12.4'
defaults:
  env: {}
  tasks_per_node: 4
gpu:
  compute_capability: '8.0'
  link: NVLink 3.0
  memory_gb: 40
  model: A100
  per_node: 4
  source: '[check] 4 x A100 40 GB (a partition has 80 GB) per GPU node (docs.nersc.gov/systems/perlmutter/architecture/)'
  vendor: nvidia
interconnect:
  fabric: slingshot
  host_libfabric: /opt/cray/libfabric/1.20.1/lib64
  nccl_plugin:
    env:
      FI_CXI_DISABLE_HOST_REGISTER: '1'
      FI_MR_CACHE_MONITOR: userfaultfd
      NCCL_CROSS_NIC: '1'
      NCCL_NET_GDR_LEVEL: PHB
      NCCL_SOCKET_IFNAME: hsn
    host_path: /global/common/software/nersc9/nccl/2.19/plugin/lib
    kind: aws-ofi-nccl
    source: '[read] podman-hpc''s nccl module (--nccl): the plugin from /global/common/software/nersc9/nccl/2.19/plugin/lib, libfabric 1.20.1 and libcxi from the host, and these variables: https://github.com/NERSC/podman-hpc/blob/main/etc/modules.d/nccl.yaml'
  provider: cxi
  source: '[read] Slingshot 11 with the cxi provider; /dev/cxi* bound by podman-hpc (Apptainer mounts /dev itself): https://github.com/NERSC/podman-hpc/blob/main/etc/modules.d/mpich.yaml ; 4 NICs per GPU node [check]'
  speed: 4 x 200 Gb/s
  transport: ofi
launcher:
  args: []
  cpus_per_task: 32
  gpu_request: gpus-per-node
  kind: srun
  source: '[check] srun -n N --ntasks-per-node 4 -c 32 --gpus-per-node 4 (docs.nersc.gov/jobs/affinity/)'
modules: []
mpi:
  abi_version: '3.4'
  bind_paths:
  - /usr/lib/shifter/mpich-2.2
  - /var/spool/slurmd
  - /run/munge
  - /dev/xpmem
  cuda_aware: false
  image_version: 3.4.3
  install: source
  library_path:
  - /usr/lib/shifter/mpich-2.2
  - /usr/lib/shifter/mpich-2.2/dep
  model: bind
  pmi: pmi2
  source: '[read] podman-hpc''s mpich module (--mpi) binds /usr/lib/shifter/mpich-2.2 (the ABI library and its dep/ folder, on LD_LIBRARY_PATH), /var/spool/slurmd, /run/munge, /dev/xpmem, /dev/cxi*: https://github.com/NERSC/podman-hpc/blob/main/etc/modules.d/mpich.yaml ; srun --mpi=pmi2 and the Cray MPICH version: [check] (docs.nersc.gov/development/containers/podman-hpc/overview/)'
  vendor: cray-mpich
  version: 8.1.28
name: perlmutter
nodes:
  count: 1792
  memory_gb: 256
  source: '[check] 1,792 GPU nodes with 256 GB DDR4 (docs.nersc.gov/systems/perlmutter/architecture/)'
os:
  name: sles
  source: '[check] HPE Cray OS (SLES 15)'
  version: '15.5'
scheduler:
  account: PROJECT_g
  directives:
  - --constraint=gpu
  - --qos=regular
  kind: slurm
  source: '[check] #SBATCH -C gpu, -q regular, accounts end in _g for GPU time (docs.nersc.gov/jobs/)'
  walltime: 02:00:00
status: active
title: Perlmutter, NERSC
ENVKIT_SITE_YAML
printf '%s\n' bf1b184db665888c > /opt/envkit/manifest/profile-hash.txt

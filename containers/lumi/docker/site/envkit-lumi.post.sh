# envkit site layer for lumi (profile hash f3308e59d159ffd8)
set -eu
mkdir -p /opt/cray
mkdir -p /opt/cray/libfabric/1.15.2.0/lib64
mkdir -p /usr/lib64/libcxi.so.1
mkdir -p /var/spool/slurmd
mkdir -p /opt/envkit/manifest
# The validated profile, as the image was built for it (a quoted here-document expands nothing).
cat > /opt/envkit/manifest/site.yaml <<'ENVKIT_SITE_YAML'
base: envkit-base
center: CSC / LUMI consortium
container:
  binds: []
  engine: singularity
  fakeroot: true
  source: '[read] Singularity on LUMI: https://docs.lumi-supercomputer.eu/software/containers/singularity/ ; version [check]'
  version: '4.1'
cpu:
  arch: x86_64
  cores_per_node: 64
  model: AMD EPYC 7A53 (Trento), 64 cores
  sockets_per_node: 1
  source: '[check] LUMI-G node: one 64-core AMD EPYC 7A53 (docs.lumi-supercomputer.eu/hardware/lumig/)'
  threads_per_core: 2
defaults:
  env: {}
  tasks_per_node: 8
gpu:
  memory_gb: 0
  per_node: 0
  source: '[check] 4 x AMD MI250X per node, not used: envkit has no ROCm base yet (envkit.profile.mpi ROCM_UNSUPPORTED)'
  vendor: none
interconnect:
  fabric: slingshot
  host_libfabric: /opt/cray/libfabric/1.15.2.0/lib64
  provider: cxi
  source: '[check] Slingshot 11, four NICs per LUMI-G node; libfabric folder (module show libfabric)'
  speed: 4 x 200 Gb/s
  transport: ofi
launcher:
  args: []
  cpus_per_task: 7
  gpu_request: none
  kind: srun
  source: '[read] https://docs.lumi-supercomputer.eu/runjobs/scheduled-jobs/container-jobs/ ; -c 7 per rank [check]'
modules:
- singularity-bindings
mpi:
  abi_version: '3.4'
  bind_paths:
  - /opt/cray
  - /var/spool/slurmd
  - /usr/lib64/libcxi.so.1
  cuda_aware: false
  image_version: 3.4.3
  install: source
  library_path:
  - /opt/cray/pe/mpich/8.1.29/ofi/gnu/9.1/lib-abi-mpich
  - /opt/cray/pe/lib64
  model: bind
  pmi: none
  source: '[read] ''module load singularity-bindings'' then ''srun ... singularity run mpi_osu.sif'' uses the host MPI; without it, only the container''s own MPI needs srun --mpi=pmi2 (so none here): https://docs.lumi-supercomputer.eu/runjobs/scheduled-jobs/container-jobs/ ; the folders the module binds: [check] (module show singularity-bindings)'
  vendor: cray-mpich
  version: 8.1.29
name: lumi
nodes:
  count: 2978
  memory_gb: 512
  source: '[check] 2,978 LUMI-G nodes, 512 GB each (docs.lumi-supercomputer.eu/hardware/lumig/)'
os:
  name: sles
  source: '[check] HPE Cray OS (SLES 15)'
  version: '15.5'
scheduler:
  account: project_ACCOUNT
  directives: []
  kind: slurm
  partition: standard-g
  source: '[read] srun --partition=<partition> --account=<account>: https://docs.lumi-supercomputer.eu/runjobs/scheduled-jobs/container-jobs/ ; partition standard-g [check]'
  walltime: 02:00:00
status: active
title: LUMI-G, CSC / EuroHPC (CPUs; the MI250X GPUs are not used yet)
ENVKIT_SITE_YAML
printf '%s\n' f3308e59d159ffd8 > /opt/envkit/manifest/profile-hash.txt

# envkit site layer for lumi (profile hash ca8c89c08b7722fd)
set -eu
mkdir -p /opt/cray
mkdir -p /opt/cray/libfabric/1.15.2.0/lib64
mkdir -p /project/project_ACCOUNT/EasyBuild/SW/LUMI-22.08/G/aws-ofi-rccl/66b3b31-cpeGNU-22.08/lib
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
  link: Infinity Fabric
  memory_gb: 64
  model: MI250X
  per_node: 8
  source: '[read] ''four AMD MI250X GPUs'', each ''two GPU dies named by AMD Graphics Compute Die (GCD)'' with ''a 64 GB slice of HBM memory''; ''the LUMI-G nodes can be considered as 8 GPUs nodes'': https://docs.lumi-supercomputer.eu/hardware/lumig/'
  vendor: amd
interconnect:
  fabric: slingshot
  host_libfabric: /opt/cray/libfabric/1.15.2.0/lib64
  nccl_plugin:
    env:
      CXI_FORK_SAFE: '1'
      CXI_FORK_SAFE_HP: '1'
      FI_CXI_DISABLE_CQ_HUGETLB: '1'
      NCCL_NET_GDR_LEVEL: PHB
      NCCL_SOCKET_IFNAME: hsn0,hsn1,hsn2,hsn3
    host_path: /project/project_ACCOUNT/EasyBuild/SW/LUMI-22.08/G/aws-ofi-rccl/66b3b31-cpeGNU-22.08/lib
    kind: aws-ofi-rccl
    source: '[read] ''export NCCL_SOCKET_IFNAME=hsn0,hsn1,hsn2,hsn3'', ''export NCCL_NET_GDR_LEVEL=PHB'': https://github.com/Lumi-supercomputer/LUMI-AI-Guide/blob/main/5-multi-gpu-and-node/README.md ; ''eb aws-ofi-rccl-66b3b31-cpeGNU-22.08.eb -r'', the CXI_ and FI_CXI_ variables, the plugin on SINGULARITYENV_LD_LIBRARY_PATH: https://docs.lumi-supercomputer.eu/software/packages/pytorch/ ; host_path: your EasyBuild install [check]'
  provider: cxi
  source: '[check] Slingshot 11, four NICs per LUMI-G node; libfabric folder (module show libfabric)'
  speed: 4 x 200 Gb/s
  transport: ofi
launcher:
  args:
  - --cpu-bind=mask_cpu:0x00fe000000000000,0xfe00000000000000,0x0000000000fe0000,0x00000000fe000000,0x00000000000000fe,0x000000000000fe00,0x000000fe00000000,0x0000fe0000000000
  cpus_per_task: 7
  gpu_request: gpus-per-node
  kind: srun
  source: '[read] ''#SBATCH --gpus-per-node=8'', ''--ntasks-per-node=8'', ''--cpus-per-task=7'', the CPU_BIND_MASKS of the 8 GCDs and ''srun --cpu-bind=mask_cpu=CPU_BIND_MASKS singularity exec CONTAINER ...'': https://github.com/Lumi-supercomputer/LUMI-AI-Guide/blob/main/5-multi-gpu-and-node/README.md ; the mask_cpu: spelling: https://docs.lumi-supercomputer.eu/runjobs/scheduled-jobs/lumig-job/'
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
rocm:
  miopen_user_db_path: /tmp/envkit-miopen-cache
  source: '[read] LUMI''s PyTorch containers are ROCm 6.2.4 builds (lumi-pytorch-rocm-6.2.4-python-3.12-pytorch-v2.7.1.sif): https://docs.lumi-supercomputer.eu/software/containers/ai_containers/ ; ''export MIOPEN_USER_DB_PATH=/tmp/...-miopen-cache-...'' so MIOpen makes ''its caches on /tmp'': https://docs.lumi-supercomputer.eu/software/packages/pytorch/ ; one fixed folder here [check]'
  version: 6.2.4
scheduler:
  account: project_ACCOUNT
  directives: []
  kind: slurm
  partition: standard-g
  source: '[read] srun --partition=<partition> --account=<account>: https://docs.lumi-supercomputer.eu/runjobs/scheduled-jobs/container-jobs/ ; partition standard-g [check]'
  walltime: 02:00:00
status: active
title: LUMI-G, CSC / EuroHPC
ENVKIT_SITE_YAML
printf '%s\n' ca8c89c08b7722fd > /opt/envkit/manifest/profile-hash.txt

# envkit site layer for polaris (profile hash e470ee3adf51b0aa)
set -eu
mkdir -p /opt
mkdir -p /opt/cray/libfabric/1.15.2.0/lib64
mkdir -p /soft/libraries/aws-ofi-nccl/v1.9.1-aws/lib
mkdir -p /var/run/palsd
mkdir -p /opt/envkit/manifest
# The validated profile, as the image was built for it (a quoted here-document expands nothing).
cat > /opt/envkit/manifest/site.yaml <<'ENVKIT_SITE_YAML'
base: envkit-base
center: ALCF (Argonne National Laboratory)
container:
  binds: []
  build_note: build and run on compute nodes only, with --fakeroot (qsub -l singularity_fakeroot=true)
  engine: apptainer
  fakeroot: true
  source: '[read] ''ml use /soft/modulefiles; ml spack-pe-base; ml apptainer'', ''apptainer version # should return 1.4.1'': https://docs.alcf.anl.gov/polaris/containers/containers/'
  version: 1.4.1
cpu:
  arch: x86_64
  cores_per_node: 32
  model: AMD EPYC 7543P (Milan), 32 cores
  sockets_per_node: 1
  source: '[read] ''a single 2.8 GHz AMD EPYC Milan 7543P 32-core CPU'', Cores/Threads 32/64: https://docs.alcf.anl.gov/polaris/'
  threads_per_core: 2
cuda:
  driver: 550.54.15
  source: '[check] the cudatoolkit-standalone modules and the node driver (nvidia-smi on a compute node)'
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
  source: '[read] ''four NVIDIA A100 GPUs connected via NVLink'', A100 HGX 160 GiB per node: https://docs.alcf.anl.gov/polaris/'
  vendor: nvidia
interconnect:
  fabric: slingshot
  host_libfabric: /opt/cray/libfabric/1.15.2.0/lib64
  nccl_plugin:
    env:
      FI_CXI_DEFAULT_CQ_SIZE: '131072'
      FI_CXI_DISABLE_HOST_REGISTER: '1'
      FI_MR_CACHE_MONITOR: userfaultfd
      NCCL_COLLNET_ENABLE: '1'
      NCCL_CROSS_NIC: '1'
      NCCL_NET: AWS Libfabric
      NCCL_NET_GDR_LEVEL: PHB
    host_path: /soft/libraries/aws-ofi-nccl/v1.9.1-aws/lib
    kind: aws-ofi-nccl
    source: '[read] ALCF NCCL page: the AWS plugin in /soft/libraries/aws-ofi-nccl/v1.9.1-aws/lib and these variables: https://docs.alcf.anl.gov/polaris/applications-and-libraries/libraries/nccl/'
  provider: cxi
  source: '[read] ''a pair of Slingshot 11 network adapters'': https://docs.alcf.anl.gov/polaris/ ; libfabric folder [check] (module show libfabric)'
  speed: 2 x 200 Gb/s
  transport: ofi
launcher:
  args: []
  cpus_per_task: 8
  gpu_request: none
  kind: mpiexec-pals
  source: '[read] mpiexec -n, -ppn, --depth, --cpu-bind depth, --env (PALS): https://docs.alcf.anl.gov/polaris/running-jobs/'
modules:
- use /soft/modulefiles
- spack-pe-base
- apptainer
- cray-mpich-abi
mpi:
  abi_version: '3.4'
  bind_paths:
  - /opt
  - /var/run/palsd
  cuda_aware: false
  host_module: cray-mpich-abi
  image_version: 3.4.3
  install: source
  library_path:
  - /opt/cray/pe/mpich/8.1.28/ofi/gnu/12.3/lib-abi-mpich
  - /opt/cray/pe/pals/1.2.12/lib
  model: bind
  pmi: none
  source: '[read] ''module load cray-mpich-abi'', APPTAINERENV_LD_LIBRARY_PATH set to CRAY_LD_LIBRARY_PATH, LD_LIBRARY_PATH and /opt/cray/pe/pals/1.2.12/lib, apptainer exec -B /opt -B /var/run/palsd/: https://docs.alcf.anl.gov/polaris/containers/containers/ ; the cray-mpich version and its lib-abi-mpich folder: [check] (module show cray-mpich-abi); image MPICH 3.4.3 as OLCF''s MPICH-ABI images (ALCF''s own example image is MPICH 4 [check])'
  vendor: cray-mpich
  version: 8.1.28
name: polaris
nodes:
  count: 560
  memory_gb: 512
  source: '[read] ''560-node HPE Apollo 6500 Gen 10+ ... 512 GB of DDR4 RAM'': https://docs.alcf.anl.gov/polaris/'
os:
  name: sles
  source: '[check] HPE Cray OS on SUSE Linux Enterprise Server 15'
  version: '15.5'
scheduler:
  account: PROJECT
  directives:
  - -l place=scatter
  - -l filesystems=home:eagle
  kind: pbs
  queue: debug-scaling
  required:
  - place
  - filesystems
  - account
  select:
  - system=polaris
  source: '[read] job script ''#PBS -l select=2:system=polaris'', ''-l place=scatter'', ''-l filesystems=home:eagle'', ''-A'': https://docs.alcf.anl.gov/polaris/containers/containers/ ; queues: https://docs.alcf.anl.gov/polaris/running-jobs/'
  walltime: 01:00:00
status: active
title: Polaris, ALCF
ENVKIT_SITE_YAML
printf '%s\n' e470ee3adf51b0aa > /opt/envkit/manifest/profile-hash.txt

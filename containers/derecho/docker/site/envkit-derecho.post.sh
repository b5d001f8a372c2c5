# envkit site layer for derecho (profile hash b40cd7272d94c307)
set -eu
mkdir -p /glade
mkdir -p /glade/u/apps/common/23.08/spack/opt/spack/aws-ofi-nccl/lib
mkdir -p /opt/cray
mkdir -p /opt/cray/libfabric/1.15.2.0/lib64
mkdir -p /var/run/palsd
mkdir -p /opt/envkit/manifest
# The validated profile, as the image was built for it (a quoted here-document expands nothing).
cat > /opt/envkit/manifest/site.yaml <<'ENVKIT_SITE_YAML'
base: envkit-base
center: NCAR (CISL)
container:
  binds:
  - /glade
  engine: apptainer
  fakeroot: true
  source: '[check] Apptainer on Derecho; /glade file systems'
  version: '1.3'
cpu:
  arch: x86_64
  cores_per_node: 64
  model: AMD EPYC 7763 (Milan)
  sockets_per_node: 1
  source: '[check] GPU nodes: one 64-core AMD EPYC 7763 (ncar-hpc-docs.readthedocs.io/en/latest/compute-systems/derecho/)'
  threads_per_core: 2
cuda:
  driver: 550.54.15
  source: '[check] cuda module and the node driver (nvidia-smi)'
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
  source: '[check] 4 x A100 40 GB per GPU node'
  vendor: nvidia
interconnect:
  fabric: slingshot
  host_libfabric: /opt/cray/libfabric/1.15.2.0/lib64
  nccl_plugin:
    env:
      FI_CXI_DISABLE_HOST_REGISTER: '1'
      FI_MR_CACHE_MONITOR: userfaultfd
      NCCL_NET: AWS Libfabric
      NCCL_SOCKET_IFNAME: hsn
    host_path: /glade/u/apps/common/23.08/spack/opt/spack/aws-ofi-nccl/lib
    kind: aws-ofi-nccl
    source: '[check] the plugin''s folder on Derecho (module show aws-ofi-nccl); the variables as ALCF and NERSC set them (https://docs.alcf.anl.gov/polaris/applications-and-libraries/libraries/nccl/)'
  provider: cxi
  source: '[check] Slingshot 11, 4 NICs per GPU node'
  speed: 4 x 200 Gb/s
  transport: ofi
launcher:
  args: []
  cpus_per_task: 16
  gpu_request: none
  kind: mpiexec-pals
  source: '[check] mpiexec -n N -ppn 4 --cpu-bind (PALS) as NCAR''s job script examples'
modules:
- apptainer
- cray-mpich-abi
mpi:
  abi_version: '3.4'
  bind_paths:
  - /opt/cray
  - /var/run/palsd
  cuda_aware: false
  host_module: cray-mpich-abi
  image_version: 3.4.3
  install: source
  library_path:
  - /opt/cray/pe/mpich/8.1.27/ofi/gnu/9.1/lib-abi-mpich
  - /opt/cray/pe/pals/1.2.12/lib
  - /opt/cray/pe/lib64
  model: bind
  pmi: none
  source: '[check] Cray MPICH with PALS in the bind model as on Polaris (https://docs.alcf.anl.gov/polaris/containers/containers/); NCAR''s container pages: ncar-hpc-docs.readthedocs.io/en/latest/environment-and-software/user-environment/containers/'
  vendor: cray-mpich
  version: 8.1.27
name: derecho
nodes:
  count: 82
  memory_gb: 512
  source: '[check] 82 GPU nodes with 512 GB (ncar-hpc-docs.readthedocs.io/en/latest/compute-systems/derecho/)'
os:
  name: sles
  source: '[check] HPE Cray OS (SLES 15)'
  version: '15.5'
scheduler:
  account: PROJECT
  directives:
  - -l gpu_type=a100
  kind: pbs
  queue: main
  required:
  - mpiprocs
  - account
  - walltime
  source: '[check] #PBS -A, -q main, -l select=N:ncpus=64:mpiprocs=4:ngpus=4, -l gpu_type=a100 (ncar-hpc-docs.readthedocs.io/en/latest/pbs/)'
  walltime: 01:00:00
status: active
title: Derecho, NCAR (GPU nodes)
ENVKIT_SITE_YAML
printf '%s\n' b40cd7272d94c307 > /opt/envkit/manifest/profile-hash.txt

# envkit site layer for local-bind (profile hash 94fbb6f6c0c33a9e)
set -eu
mkdir -p /var/tmp/envkit-host-mpich-abi
mkdir -p /opt/envkit/manifest
# The validated profile, as the image was built for it (a quoted here-document expands nothing).
cat > /opt/envkit/manifest/site.yaml <<'ENVKIT_SITE_YAML'
base: envkit-base
center: local
container:
  binds: []
  build_note: Charliecloud from Debian, the base root file system comes from debootstrap
  engine: charliecloud
  fakeroot: false
  source: '[measured] Debian charliecloud 0.31 works end to end (envkit tests/build)'
  version: '0.31'
cpu:
  arch: x86_64
  cores_per_node: 2
  model: x86-64 virtual machine
  sockets_per_node: 1
  source: '[measured] nproc on a machine of this kind: 2'
  threads_per_core: 1
defaults:
  env:
    OMPI_MCA_btl_vader_single_copy_mechanism: none
    OMP_NUM_THREADS: '1'
    UCX_MODULE_DIR: /var/tmp/envkit-host-mpich-abi/lib/ucx
    UCX_POSIX_USE_PROC_LINK: n
  tasks_per_node: 2
extends: local-mpich
gpu:
  memory_gb: 0
  per_node: 0
  source: '[measured] no accelerator on this kind of machine'
  vendor: none
interconnect:
  fabric: none
  source: '[measured] one node, loopback only'
  transport: tcp
launcher:
  args: []
  gpu_request: none
  kind: mpiexec
  program: mpiexec.mpich
  source: '[measured] Debian installs Hydra as mpiexec.mpich beside Open MPI''s mpiexec (update-alternatives)'
modules: []
mpi:
  bind_paths:
  - /var/tmp/envkit-host-mpich-abi
  cuda_aware: false
  image_version: 3.4.3
  install: wheel
  library_path:
  - /var/tmp/envkit-host-mpich-abi/lib
  model: bind
  pmi: none
  source: '[measured] Debian 12 mpich 4.0.2 on the host (libmpich.so.12); PyPI mpich 3.4.3 wheel (libmpi.so.12 with a RUNPATH, so LD_LIBRARY_PATH wins) in the image'
  vendor: mpich
  version: 4.0.2
name: local-bind
nodes:
  count: 1
  memory_gb: 24
  source: '[measured] free -g'
os:
  name: debian
  source: '[measured] /etc/os-release'
  version: '12'
scheduler:
  directives: []
  kind: none
  source: '[measured] no batch system, see local-slurm for a one-node Slurm'
status: local
title: This machine with the host's MPICH bound over the image's at run time
ENVKIT_SITE_YAML
printf '%s\n' 94fbb6f6c0c33a9e > /opt/envkit/manifest/profile-hash.txt

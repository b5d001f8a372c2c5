# envkit site layer for local-cluster-mpich (profile hash 8c894c1ae3409c8f)
set -eu
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
  tasks_per_node: 1
extends: local-mpich
gpu:
  memory_gb: 0
  per_node: 0
  source: '[measured] no accelerator on this kind of machine'
  vendor: none
interconnect:
  fabric: none
  source: '[measured] TCP over a private Linux bridge between the nodes'' network namespaces (scripts/cluster.sh)'
  transport: tcp
launcher:
  args: []
  gpu_request: none
  kind: mpiexec
  program: mpiexec.mpich
  source: '[measured] Debian installs Hydra as mpiexec.mpich beside Open MPI''s mpiexec (update-alternatives)'
modules: []
mpi:
  bind_paths: []
  cuda_aware: false
  install: distro
  model: hybrid
  pmi: none
  source: '[measured] Debian 12 mpich 4.0.2 (Hydra), the same package inside and outside the image'
  vendor: mpich
  version: 4.0.2
name: local-cluster-mpich
nodes:
  count: 2
  memory_gb: 8
  source: '[measured] scripts/cluster.sh: two slurmd nodes on this machine, each sees all of its cores'
os:
  name: debian
  source: '[measured] /etc/os-release'
  version: '12'
scheduler:
  directives: []
  kind: slurm
  partition: debug
  source: '[measured] Debian slurm-wlm 22.05, controller + 2 slurmd (scripts/cluster.sh)'
status: local
title: This machine as a two-node Slurm cluster, MPICH and Hydra (network namespaces)
ENVKIT_SITE_YAML
printf '%s\n' 8c894c1ae3409c8f > /opt/envkit/manifest/profile-hash.txt

# envkit site layer for local-slurm (profile hash ebf0a834984693f2)
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
  tasks_per_node: 2
extends: local
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
  args:
  - --mpi=pmix
  gpu_request: none
  kind: srun
  source: '[measured] srun --mpi=pmix works with Debian''s Open MPI once libpmix-dev is installed'
modules: []
mpi:
  bind_paths: []
  cuda_aware: false
  install: distro
  model: hybrid
  pmi: pmix
  source: '[measured] Debian 12 openmpi-bin 4.1.4, the same package inside and outside the image'
  vendor: openmpi
  version: 4.1.4
name: local-slurm
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
  kind: slurm
  partition: debug
  source: '[measured] Debian slurm-wlm 22.05 on one node (envkit tests/run/slurm_cluster.py)'
status: local
title: This machine with a one-node Slurm controller
ENVKIT_SITE_YAML
printf '%s\n' ebf0a834984693f2 > /opt/envkit/manifest/profile-hash.txt

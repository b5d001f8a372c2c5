# envkit site layer for local-cluster (profile hash be9b445c8849ccf6)
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
extends: local
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
  args:
  - --mpi=pmix
  - --kill-on-bad-exit=1
  - --label
  gpu_request: none
  kind: srun
  source: '[measured] srun --mpi=pmix across the two nodes with Debian''s Open MPI and libpmix-dev; a rank that fails ends the step (--kill-on-bad-exit), each line names its rank (--label), srun(1)'
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
name: local-cluster
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
title: This machine as a two-node Slurm cluster (network namespaces)
ENVKIT_SITE_YAML
printf '%s\n' be9b445c8849ccf6 > /opt/envkit/manifest/profile-hash.txt

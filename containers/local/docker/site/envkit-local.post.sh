# envkit site layer for local (profile hash e513b0b8e19ec16f)
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
  - --oversubscribe
  - --allow-run-as-root
  gpu_request: none
  kind: mpirun
  source: '[measured] as root Open MPI needs --allow-run-as-root, --oversubscribe on 2 cores'
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
name: local
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
title: This machine (Debian 12, x86_64, CPU only)
ENVKIT_SITE_YAML
printf '%s\n' e513b0b8e19ec16f > /opt/envkit/manifest/profile-hash.txt

# envkit site layer for summit (profile hash cf143d6dc8d146c5)
set -eu
mkdir -p /autofs/nccs-svm1_home1
mkdir -p /ccs/home
mkdir -p /gpfs/alpine2
mkdir -p /opt/ibm/spectrum_mpi
mkdir -p /opt/envkit/manifest
# The validated profile, as the image was built for it (a quoted here-document expands nothing).
cat > /opt/envkit/manifest/site.yaml <<'ENVKIT_SITE_YAML'
base: envkit-base
center: OLCF
container:
  binds:
  - /gpfs/alpine2
  - /autofs/nccs-svm1_home1
  - /autofs/nccs-svm1_home1:/ccs/home
  build_note: 'Users could not run apptainer build on Summit: build with podman build --net=host on a login node, storage on the node''s NVMe (graphroot /tmp/containers/USER in ~/.config/containers/storage.conf), podman save, then apptainer build x.sif docker-archive://x.tar'
  engine: apptainer
  fakeroot: false
  source: '[read: https://github.com/olcf/olcf-user-docs/blob/b70bf4c10b0dfecc3f5e4c7df821f3d2efa3368a/software/containers_on_summit.rst] podman --net=host, storage.conf, binds /autofs/nccs-svm1_home1 and /gpfs/alpine2'
  version: '1.1'
cpu:
  arch: ppc64le
  cores_per_node: 42
  model: IBM POWER9 (2 per node, 42 cores usable)
  sockets_per_node: 2
  source: '[read: olcf-user-docs] 2 POWER9 per node, 42 usable cores, SMT4'
  threads_per_core: 4
cuda:
  cudnn: '8.5'
  driver: 470.82.01
  source: '[read] OLCF base image CUDA 11.7.1, cuDNN 8.5, driver [check] (runs 11.7 by minor-version compatibility)'
  toolkit: '11.7'
defaults:
  env:
    OMPI_MCA_pml: ucx
gpu:
  compute_capability: '7.0'
  link: NVLink 2.0
  memory_gb: 16
  model: V100
  per_node: 6
  source: '[paper] 6 V100 16 GB per node, 1,024 nodes = 6,144 V100 in Fig. 5'
  vendor: nvidia
interconnect:
  fabric: infiniband
  source: '[read] EDR InfiniBand'
  speed: EDR 100 Gb/s (dual rail)
  transport: ucx
launcher:
  args:
  - --smpiargs=-gpu
  - -bpacked:7
  cpus_per_task: 7
  gpu_request: none
  kind: jsrun
  source: '[read: olcf-user-docs] jsrun --smpiargs=-gpu for CUDA-aware MPI, -bpacked:7 with 6 ranks per node'
modules:
- spectrum-mpi
- cuda/11.7.1
mpi:
  bind_paths:
  - /opt/ibm/spectrum_mpi
  cuda_aware: true
  install: host
  model: hybrid
  pmi: pmix
  root: /opt/ibm/spectrum_mpi
  source: '[read: IBM SMPI 10.4 docs] a container''s Spectrum MPI must be >= 10.3.1.0, bind the host''s over it'
  vendor: spectrum
  version: 10.4.0.3
name: summit
nodes:
  count: 4608
  memory_gb: 512
  source: '[read: olcf-user-docs] 4,608 nodes, 512 GB DDR4'
os:
  name: rhel
  source: '[check] RHEL 8 on Summit''s last years'
  version: '8.2'
scheduler:
  account: PROJECT
  directives: []
  kind: lsf
  queue: batch
  source: '[read: https://github.com/olcf/olcf-user-docs/blob/b70bf4c10b0dfecc3f5e4c7df821f3d2efa3368a/systems/summit_user_guide.rst] LSF with jsrun; batch walltime by job size: 2 h for 1-45 nodes, 6 h for 46-91, 12 h for 92-921, 24 h from 922; bsub -Is for interactive jobs'
  walltime: 02:00
status: retired
title: Summit, Oak Ridge Leadership Computing Facility
ENVKIT_SITE_YAML
printf '%s\n' cf143d6dc8d146c5 > /opt/envkit/manifest/profile-hash.txt

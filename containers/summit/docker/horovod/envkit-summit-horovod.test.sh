# envkit Horovod layer test: Horovod imports with its PyTorch extension, built with MPI and Gloo.
set -eu
# The host's MPI tree loads only with the host's libraries, bound at run time: Horovod is tested then.
grep -q PyTorch /opt/envkit/manifest/horovod-build.txt

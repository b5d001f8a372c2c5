# envkit base test: the stack imports and MPI answers (its library, not a launcher: not every MPI family has one).
set -eu
/opt/envkit/venv/bin/python -c 'import torch, numpy, h5py, mpi4py; print("torch", torch.__version__)'
test -s /opt/envkit/manifest/mpi-version.txt
# The host tree copied in may load only with the host's libraries bound at run time: its compiler must be there.
test -x /opt/ibm/spectrum_mpi/bin/mpicc
test "$(uname -m)" = ppc64le || { printf 'image is %s, this base needs %s\n' "$(uname -m)" ppc64le; exit 1; }

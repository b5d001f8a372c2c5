# envkit base test: the stack imports and MPI answers.
set -eu
/opt/envkit/venv/bin/python -c 'import torch, numpy, h5py, mpi4py; print("torch", torch.__version__)'
/opt/mpi/bin/mpirun --version
test "$(uname -m)" = ppc64le || { printf 'image is %s, this base needs %s\n' "$(uname -m)" ppc64le; exit 1; }

# envkit base test: the stack imports and MPI answers (its library, not a launcher: not every MPI family has one).
set -eu
/opt/envkit/venv/bin/python -c 'import torch, numpy, h5py, mpi4py; print("torch", torch.__version__)'
test -s /opt/envkit/manifest/mpi-version.txt
/opt/envkit/venv/bin/python -c 'import mpi4py; mpi4py.rc.initialize = False; from mpi4py import MPI; print(MPI.Get_library_version().splitlines()[0].strip(" \t\0"))'
test "$(uname -m)" = x86_64 || { printf 'image is %s, this base needs %s\n' "$(uname -m)" x86_64; exit 1; }

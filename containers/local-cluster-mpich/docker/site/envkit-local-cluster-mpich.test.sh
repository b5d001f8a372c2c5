# envkit site test: the stack imports, MPI runs, the image is the one built for this profile.
set -eu
python -c 'import torch, mpi4py, h5py, numpy; from mpi4py import MPI; print("torch", torch.__version__, "|", MPI.Get_library_version().splitlines()[0])'
test "$(cat /opt/envkit/manifest/profile-hash.txt)" = 8c894c1ae3409c8f

# envkit site test: the stack imports, MPI runs, the image is the one built for this profile.
set -eu
python -c 'import torch, mpi4py, h5py, numpy; from mpi4py import MPI; print("torch", torch.__version__, "|", MPI.Get_library_version().splitlines()[0])'
test "$(cat /opt/envkit/manifest/profile-hash.txt)" = ca8c89c08b7722fd
python -c 'import torch; assert torch.cuda.is_available(), "no GPU visible: run with --nv"' || echo "warning: no GPU visible at build time (expected on a build node)"

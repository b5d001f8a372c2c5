# envkit site test: the stack imports, MPI runs, the image is the one built for this profile.
set -eu
# The host's MPI tree loads only with the host's libraries, bound at run time: MPI is tested then.
python -c 'import torch, mpi4py, h5py, numpy; print("torch", torch.__version__)'
test "$(cat /opt/envkit/manifest/profile-hash.txt)" = cf143d6dc8d146c5
python -c 'import torch; assert torch.cuda.is_available(), "no GPU visible: run with --nv"' || echo "warning: no GPU visible at build time (expected on a build node)"

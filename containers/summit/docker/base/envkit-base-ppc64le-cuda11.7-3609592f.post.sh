# envkit base layer: envkit-base (ppc64le, CUDA 11.7)
# Every value from the profile or base below is shell-quoted when rendered.
set -eu
export DEBIAN_FRONTEND=noninteractive
mkdir -p /opt/envkit/src /opt/envkit/manifest

# 1. Operating system packages
echo "envkit-step: 1/4 OS packages (apt)"
# apt versions not locked: torch comes from conda channel conda-forge for ppc64le, which this machine cannot reach; lock it where conda-forge is reachable (conda-lock) and commit the result
# With ENVKIT_BUILD_CACHE (a Charliecloud build: the store's download cache) apt keeps its .deb files there,
# one folder per starting image, so the next base downloads none again (apt checks each against its signed index).
apt_cache=()
if [ -n "${ENVKIT_BUILD_CACHE:-}" ]; then
  mkdir -p "$ENVKIT_BUILD_CACHE/apt/"nvidia-cuda-11.7.1-cudnn8-devel-ubuntu20.04"/partial"
  apt_cache=(-o "Dir::Cache::Archives=$ENVKIT_BUILD_CACHE/apt/"nvidia-cuda-11.7.1-cudnn8-devel-ubuntu20.04"/")
fi
apt-get update
# dpkg without an fsync per file (--force-unsafe-io, as Docker's Debian images set it): a build that dies is
# thrown away whole, so nothing needs what the syncs protect.
apt-get install "${apt_cache[@]}" -o Dpkg::Options::=--force-unsafe-io -y --no-install-recommends build-essential bzip2 ca-certificates cmake curl git libibverbs-dev librdmacm-dev libucx-dev pkg-config procps
rm -rf /var/lib/apt/lists/*

# 2. MPI: spectrum 10.4.0.3, hybrid model, installed from host
echo "envkit-step: 2/4 MPI (host)"
# The host's MPI tree was copied to /opt/ibm/spectrum_mpi by %files; at run time the host's is bound over it.
test -x /opt/ibm/spectrum_mpi/bin/mpicc
export PATH=/opt/ibm/spectrum_mpi/bin:"$PATH"

# 3. Python 3.10 and torch
echo "envkit-step: 3/4 Python packages (torch and the rest)"
curl -fsSL -o /tmp/miniforge.sh https://github.com/conda-forge/miniforge/releases/download/24.3.0-0/Miniforge3-24.3.0-0-Linux-ppc64le.sh
bash /tmp/miniforge.sh -b -p /opt/envkit/conda
rm -f /tmp/miniforge.sh
/opt/envkit/conda/bin/conda create -y -p /opt/envkit/venv python=3.10
# NOT LOCKED: torch comes from conda channel conda-forge for ppc64le, which this machine cannot reach; lock it where conda-forge is reachable (conda-lock) and commit the result
/opt/envkit/conda/bin/conda install -y -p /opt/envkit/venv -c conda-forge pytorch=2.0 torchvision
/opt/envkit/venv/bin/pip install --no-cache-dir numpy h5py pyyaml tqdm

# 4. mpi4py, compiled against the image's MPI
echo "envkit-step: 4/4 mpi4py: compile against the image's MPI"
MPICC=/opt/ibm/spectrum_mpi/bin/mpicc /opt/envkit/venv/bin/pip install --no-cache-dir --no-binary=mpi4py mpi4py

# The MPI the image carries, as its library names itself (no launcher is asked: not every MPI family ships one).
# A copied host tree may need the host's other libraries to load (they are bound at run time): say so, don't fail.
/opt/envkit/venv/bin/python -c 'import mpi4py; mpi4py.rc.initialize = False; from mpi4py import MPI; print(MPI.Get_library_version().splitlines()[0].strip(" \t\0"))' > /opt/envkit/manifest/mpi-version.txt \
  || printf '%s\n' 'not loadable at build time (it needs libraries of the host, bound at run time): spectrum 10.4.0.3' > /opt/envkit/manifest/mpi-version.txt

# Horovod is not built here: its own layer (horovod.post.sh) compiles it for the images that run --dist horovod.


# 5. Provenance
printf '%s\n' envkit-base > /opt/envkit/manifest/base-name.txt

# envkit base layer: envkit-base (x86_64, ROCm 6.2)
# Every value from the profile or base below is shell-quoted when rendered.
set -eu
export DEBIAN_FRONTEND=noninteractive
mkdir -p /opt/envkit/src /opt/envkit/manifest

# 1. Operating system packages
echo "envkit-step: 1/4 OS packages (apt)"
# apt versions not locked: torch comes from https://download.pytorch.org/whl/rocm6.2 (its ROCm builds are not on PyPI), which the lock (PyPI only) does not resolve: the recipe installs it unpinned
# With ENVKIT_BUILD_CACHE (a Charliecloud build: the store's download cache) apt keeps its .deb files there,
# one folder per starting image, so the next base downloads none again (apt checks each against its signed index).
apt_cache=()
if [ -n "${ENVKIT_BUILD_CACHE:-}" ]; then
  mkdir -p "$ENVKIT_BUILD_CACHE/apt/"rocm-dev-ubuntu-22.04-6.2.4"/partial"
  apt_cache=(-o "Dir::Cache::Archives=$ENVKIT_BUILD_CACHE/apt/"rocm-dev-ubuntu-22.04-6.2.4"/")
fi
apt-get update
# dpkg without an fsync per file (--force-unsafe-io, as Docker's Debian images set it): a build that dies is
# thrown away whole, so nothing needs what the syncs protect.
apt-get install "${apt_cache[@]}" -o Dpkg::Options::=--force-unsafe-io -y --no-install-recommends build-essential bzip2 ca-certificates cmake curl git libfabric-dev pkg-config procps
rm -rf /var/lib/apt/lists/*

# 2. MPI: cray-mpich 8.1.29, bind model, installed from source
echo "envkit-step: 2/4 MPI (source)"
mkdir -p /tmp/envkit-mpi
curl -fsSL -o /tmp/envkit-mpi/mpi.tar https://www.mpich.org/static/downloads/3.4.3/mpich-3.4.3.tar.gz
tar -xf /tmp/envkit-mpi/mpi.tar -C /tmp/envkit-mpi --strip-components=1
(cd /tmp/envkit-mpi && ./configure --prefix=/opt/mpi --disable-static && make -j"$(nproc)" install)
rm -rf /tmp/envkit-mpi
export PATH=/opt/mpi/bin:"$PATH"

# 3. Python 3.10 and torch
echo "envkit-step: 3/4 Python packages (torch and the rest)"
curl -fsSL -o /tmp/miniforge.sh https://github.com/conda-forge/miniforge/releases/download/24.3.0-0/Miniforge3-24.3.0-0-Linux-x86_64.sh
bash /tmp/miniforge.sh -b -p /opt/envkit/conda
rm -f /tmp/miniforge.sh
/opt/envkit/conda/bin/conda create -y -p /opt/envkit/venv python=3.10
# NOT LOCKED: torch comes from https://download.pytorch.org/whl/rocm6.2 (its ROCm builds are not on PyPI), which the lock (PyPI only) does not resolve: the recipe installs it unpinned
# torch's ROCm 6.2 build: only on its own index, not on PyPI
/opt/envkit/venv/bin/pip install --no-cache-dir --index-url https://download.pytorch.org/whl/rocm6.2 torch==2.5.1+rocm6.2 torchvision==0.20.1+rocm6.2
/opt/envkit/venv/bin/pip install --no-cache-dir numpy h5py pyyaml tqdm

# 4. mpi4py, compiled against the image's MPI
echo "envkit-step: 4/4 mpi4py: compile against the image's MPI"
MPICC=/opt/mpi/bin/mpicc /opt/envkit/venv/bin/pip install --no-cache-dir --no-binary=mpi4py mpi4py

# The MPI the image carries, as its library names itself (no launcher is asked: not every MPI family ships one).
/opt/envkit/venv/bin/python -c 'import mpi4py; mpi4py.rc.initialize = False; from mpi4py import MPI; print(MPI.Get_library_version().splitlines()[0].strip(" \t\0"))' > /opt/envkit/manifest/mpi-version.txt

# Horovod is not built here: its own layer (horovod.post.sh) compiles it for the images that run --dist horovod.


# 5. Provenance
printf '%s\n' envkit-base > /opt/envkit/manifest/base-name.txt

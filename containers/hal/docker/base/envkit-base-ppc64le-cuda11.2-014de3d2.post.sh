# envkit base layer: envkit-base (ppc64le, CUDA 11.2)
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
  mkdir -p "$ENVKIT_BUILD_CACHE/apt/"nvidia-cuda-11.2.2-cudnn8-devel-ubuntu18.04"/partial"
  apt_cache=(-o "Dir::Cache::Archives=$ENVKIT_BUILD_CACHE/apt/"nvidia-cuda-11.2.2-cudnn8-devel-ubuntu18.04"/")
fi
apt-get update
# dpkg without an fsync per file (--force-unsafe-io, as Docker's Debian images set it): a build that dies is
# thrown away whole, so nothing needs what the syncs protect.
apt-get install "${apt_cache[@]}" -o Dpkg::Options::=--force-unsafe-io -y --no-install-recommends build-essential bzip2 ca-certificates cmake curl git libibverbs-dev librdmacm-dev libucx-dev pkg-config procps
rm -rf /var/lib/apt/lists/*

# 2. MPI: openmpi 4.1.1, hybrid model, installed from source
echo "envkit-step: 2/4 MPI (source)"
mkdir -p /tmp/envkit-mpi
curl -fsSL -o /tmp/envkit-mpi/mpi.tar https://download.open-mpi.org/release/open-mpi/v4.1/openmpi-4.1.1.tar.bz2
tar -xf /tmp/envkit-mpi/mpi.tar -C /tmp/envkit-mpi --strip-components=1
(cd /tmp/envkit-mpi && ./configure --prefix=/opt/mpi --disable-static --with-ucx=/usr --with-slurm --with-pmix=internal --with-cuda=/usr/local/cuda && make -j"$(nproc)" install)
rm -rf /tmp/envkit-mpi
export PATH=/opt/mpi/bin:"$PATH"

# 3. Python 3.10 and torch
echo "envkit-step: 3/4 Python packages (torch and the rest)"
curl -fsSL -o /tmp/miniforge.sh https://github.com/conda-forge/miniforge/releases/download/24.3.0-0/Miniforge3-24.3.0-0-Linux-ppc64le.sh
bash /tmp/miniforge.sh -b -p /opt/envkit/conda
rm -f /tmp/miniforge.sh
/opt/envkit/conda/bin/conda create -y -p /opt/envkit/venv python=3.10
# NOT LOCKED: torch comes from conda channel conda-forge for ppc64le, which this machine cannot reach; lock it where conda-forge is reachable (conda-lock) and commit the result
/opt/envkit/conda/bin/conda install -y -p /opt/envkit/venv -c conda-forge pytorch=1.10 torchvision
/opt/envkit/venv/bin/pip install --no-cache-dir numpy h5py pyyaml tqdm

# 4. mpi4py, compiled against the image's MPI
echo "envkit-step: 4/4 mpi4py: compile against the image's MPI"
MPICC=/opt/mpi/bin/mpicc /opt/envkit/venv/bin/pip install --no-cache-dir --no-binary=mpi4py mpi4py

# The MPI the image carries, as its library names itself (no launcher is asked: not every MPI family ships one).
/opt/envkit/venv/bin/python -c 'import mpi4py; mpi4py.rc.initialize = False; from mpi4py import MPI; print(MPI.Get_library_version().splitlines()[0].strip(" \t\0"))' > /opt/envkit/manifest/mpi-version.txt

# Horovod is not built here: its own layer (horovod.post.sh) compiles it for the images that run --dist horovod.


# 5. Provenance
printf '%s\n' envkit-base > /opt/envkit/manifest/base-name.txt

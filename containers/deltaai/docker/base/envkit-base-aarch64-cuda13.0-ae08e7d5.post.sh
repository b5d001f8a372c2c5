# envkit base layer: envkit-base (aarch64, CUDA 13.0)
# Every value from the profile or base below is shell-quoted when rendered.
set -eu
export DEBIAN_FRONTEND=noninteractive
mkdir -p /opt/envkit/src /opt/envkit/manifest

# 1. Operating system packages
# apt versions not locked: no lock: `envkit lock --site deltaai` writes it
apt-get update
apt-get install -y --no-install-recommends build-essential bzip2 ca-certificates cmake curl git libfabric-dev pkg-config procps
rm -rf /var/lib/apt/lists/*

# 2. MPI: cray-mpich 8.1.30, bind model, installed from source
mkdir -p /tmp/envkit-mpi
curl -fsSL -o /tmp/envkit-mpi/mpi.tar https://www.mpich.org/static/downloads/3.4.3/mpich-3.4.3.tar.gz
tar -xf /tmp/envkit-mpi/mpi.tar -C /tmp/envkit-mpi --strip-components=1
(cd /tmp/envkit-mpi && ./configure --prefix=/opt/mpi --disable-static && make -j"$(nproc)" install)
rm -rf /tmp/envkit-mpi
export PATH=/opt/mpi/bin:"$PATH"

# 3. Python 3.10 and torch
curl -fsSL -o /tmp/miniforge.sh https://github.com/conda-forge/miniforge/releases/download/24.3.0-0/Miniforge3-24.3.0-0-Linux-aarch64.sh
bash /tmp/miniforge.sh -b -p /opt/envkit/conda
rm -f /tmp/miniforge.sh
/opt/envkit/conda/bin/conda create -y -p /opt/envkit/venv python=3.10
# NOT LOCKED: no lock: `envkit lock --site deltaai` writes it
/opt/envkit/venv/bin/pip install --no-cache-dir torch==2.11.0 torchvision==0.26.0
/opt/envkit/venv/bin/pip install --no-cache-dir numpy h5py pyyaml tqdm

# 4. mpi4py, compiled against the image's MPI
MPICC=/opt/mpi/bin/mpicc /opt/envkit/venv/bin/pip install --no-cache-dir --no-binary=mpi4py mpi4py

# The MPI the image carries, as its library names itself (no launcher is asked: not every MPI family ships one).
/opt/envkit/venv/bin/python -c 'import mpi4py; mpi4py.rc.initialize = False; from mpi4py import MPI; print(MPI.Get_library_version().splitlines()[0].strip(" \t\0"))' > /opt/envkit/manifest/mpi-version.txt

# 5. Horovod 0.28.1 with MPI and Gloo and NCCL
rm -rf /tmp/envkit-horovod
mkdir -p /tmp/envkit-horovod
/opt/envkit/venv/bin/pip download --no-deps --no-binary=:all: -d /tmp/envkit-horovod horovod==0.28.1
tar -xzf /tmp/envkit-horovod/horovod-*.tar.gz -C /tmp/envkit-horovod --strip-components=1
# torch >= 2 needs C++17 (torch 2.14: C++20, its headers say which); Horovod's CMake hard-codes C++14 in
# both files (patching one fails at link).
cxx_std=17
grep -qs 'C++20 or later' "$(/opt/envkit/venv/bin/python -c 'import importlib.util, os; print(os.path.dirname(importlib.util.find_spec("torch").origin))')/include/torch/csrc/api/include/torch/all.h" && cxx_std=20
sed -i "s/set(CMAKE_CXX_STANDARD 14)/set(CMAKE_CXX_STANDARD $cxx_std)/" /tmp/envkit-horovod/CMakeLists.txt /tmp/envkit-horovod/horovod/torch/CMakeLists.txt
grep -q "CMAKE_CXX_STANDARD $cxx_std" /tmp/envkit-horovod/horovod/torch/CMakeLists.txt
(cd /tmp/envkit-horovod && \
  HOROVOD_WITH_PYTORCH=1 HOROVOD_WITHOUT_TENSORFLOW=1 HOROVOD_WITHOUT_MXNET=1 \
  HOROVOD_WITH_MPI=1 HOROVOD_WITH_GLOO=1 HOROVOD_GPU_OPERATIONS=NCCL \
  /opt/envkit/venv/bin/pip install --no-cache-dir --no-build-isolation .)
rm -rf /tmp/envkit-horovod
PATH=/opt/envkit/venv/bin:"$PATH" horovodrun --check-build > /opt/envkit/manifest/horovod-build.txt


# 6. Provenance
printf '%s\n' envkit-base > /opt/envkit/manifest/base-name.txt

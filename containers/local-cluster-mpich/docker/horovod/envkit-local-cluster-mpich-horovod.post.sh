# envkit Horovod layer for local-cluster-mpich: Horovod 0.28.1 with MPI and Gloo, compiled
# against the image's torch and MPI. Built only for the images of runs that ask for it (--dist horovod): its
# compile takes minutes, and every other run (DDP) does without it.
set -eu
echo "envkit-step: 1/2 Horovod 0.28.1: download (locked sdist)"
rm -rf /tmp/envkit-horovod
mkdir -p /tmp/envkit-horovod
# The base wrote the locked requirement (version and sha256 from pylock.base.toml) to locks/horovod.txt.
/opt/envkit/venv/bin/pip download --no-cache-dir --require-hashes --no-deps --no-binary=:all: -d /tmp/envkit-horovod -r /opt/envkit/locks/horovod.txt
tar -xzf /tmp/envkit-horovod/horovod-*.tar.gz -C /tmp/envkit-horovod --strip-components=1
# torch >= 2 needs C++17 (torch 2.14: C++20, its headers say which); Horovod's CMake hard-codes C++14 in
# both files (patching one fails at link).
cxx_std=17
grep -qs 'C++20 or later' "$(/opt/envkit/venv/bin/python -c 'import importlib.util, os; print(os.path.dirname(importlib.util.find_spec("torch").origin))')/include/torch/csrc/api/include/torch/all.h" && cxx_std=20
sed -i "s/set(CMAKE_CXX_STANDARD 14)/set(CMAKE_CXX_STANDARD $cxx_std)/" /tmp/envkit-horovod/CMakeLists.txt /tmp/envkit-horovod/horovod/torch/CMakeLists.txt
grep -q "CMAKE_CXX_STANDARD $cxx_std" /tmp/envkit-horovod/horovod/torch/CMakeLists.txt
echo "envkit-step: 2/2 Horovod 0.28.1: compile and install (minutes)"
(cd /tmp/envkit-horovod && \
  HOROVOD_WITH_PYTORCH=1 HOROVOD_WITHOUT_TENSORFLOW=1 HOROVOD_WITHOUT_MXNET=1 \
  HOROVOD_WITH_MPI=1 HOROVOD_WITH_GLOO=1 \
  /opt/envkit/venv/bin/pip install --no-cache-dir --no-build-isolation --no-deps .)
rm -rf /tmp/envkit-horovod
mkdir -p /opt/envkit/manifest
PATH=/opt/envkit/venv/bin:"$PATH" horovodrun --check-build > /opt/envkit/manifest/horovod-build.txt

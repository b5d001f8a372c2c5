# envkit base layer: envkit-base (aarch64, CUDA 13.0)
# Every value from the profile or base below is shell-quoted when rendered.
set -eu
export DEBIAN_FRONTEND=noninteractive
mkdir -p /opt/envkit/src /opt/envkit/manifest

# 1. Operating system packages
echo "envkit-step: 1/4 OS packages (apt)"
# apt versions not locked: this distribution's index cannot be reached where the lock is written
# With ENVKIT_BUILD_CACHE (a Charliecloud build: the store's download cache) apt keeps its .deb files there,
# one folder per starting image, so the next base downloads none again (apt checks each against its signed index).
apt_cache=()
if [ -n "${ENVKIT_BUILD_CACHE:-}" ]; then
  mkdir -p "$ENVKIT_BUILD_CACHE/apt/"nvidia-cuda-13.0.1-cudnn-devel-ubuntu24.04"/partial"
  apt_cache=(-o "Dir::Cache::Archives=$ENVKIT_BUILD_CACHE/apt/"nvidia-cuda-13.0.1-cudnn-devel-ubuntu24.04"/")
fi
apt-get update
# dpkg without an fsync per file (--force-unsafe-io, as Docker's Debian images set it): a build that dies is
# thrown away whole, so nothing needs what the syncs protect.
apt-get install "${apt_cache[@]}" -o Dpkg::Options::=--force-unsafe-io -y --no-install-recommends build-essential bzip2 ca-certificates cmake curl git libfabric-dev pkg-config procps
rm -rf /var/lib/apt/lists/*

# 2. MPI: cray-mpich 8.1.32, bind model, installed from source
echo "envkit-step: 2/4 MPI (source)"
mkdir -p /tmp/envkit-mpi
curl -fsSL -o /tmp/envkit-mpi/mpi.tar https://www.mpich.org/static/downloads/3.4.3/mpich-3.4.3.tar.gz
tar -xf /tmp/envkit-mpi/mpi.tar -C /tmp/envkit-mpi --strip-components=1
(cd /tmp/envkit-mpi && ./configure --prefix=/opt/mpi --disable-static && make -j"$(nproc)" install)
rm -rf /tmp/envkit-mpi
export PATH=/opt/mpi/bin:"$PATH"

# 3. Python 3.10 and torch
echo "envkit-step: 3/4 Python packages (torch and the rest, locked)"
curl -fsSL -o /tmp/miniforge.sh https://github.com/conda-forge/miniforge/releases/download/24.3.0-0/Miniforge3-24.3.0-0-Linux-aarch64.sh
bash /tmp/miniforge.sh -b -p /opt/envkit/conda
rm -f /tmp/miniforge.sh
/opt/envkit/conda/bin/conda create -y -p /opt/envkit/venv python=3.10
# Every Python package comes from the site's lock pylock.base.toml: exact versions, each file checked against
# its sha256 (--require-hashes), no dependency resolved at build time (--no-deps).
mkdir -p /opt/envkit/locks
cat > /opt/envkit/locks/base.txt <<'ENVKIT_LOCK'
cffi==2.1.1 --hash=sha256:5a59cc1c4442bc3d5c703bf720b51138d0bfc173618807c9ee2490a7541dd3d9 --hash=sha256:dd31f52ea1086513bb9df30f8fcee9b8918323ae067a3d5b78bc826a000712be
cloudpickle==3.1.3 --hash=sha256:1654f4f18e416447210a63c5c25a135d65a292156aa5fa519dfa4baf7726dddb --hash=sha256:cbe9fde14429a5db009ea05ce94e5182cf998c97b96918d50c10f73f9c2f4f33
cuda-bindings==13.4.4 --hash=sha256:90f85a00fc89dd4a8f7c4beb0a2f3f788b845c8496fe84adc1217830206db9e0
cuda-pathfinder==1.8.3 --hash=sha256:e29e59829c297a7a5233bd9cc71094fc5bddbd076951482670178f9eade39b1f
cuda-toolkit==13.0.2 --hash=sha256:b198824cf2f54003f50d64ada3a0f184b42ca0846c1c94192fa269ecd97a66eb
cython==3.3.1 --hash=sha256:08ef3dcd3070959983a15e82bbfd56edb13cbe75b14043665c76ee4425140eaf --hash=sha256:61abc7feedd20dac6c4ff7ab3a30e17136a067b242ab9253e2b4a6d9a72c2b61 --hash=sha256:e0e45989e821bef6aa9ae15c7d583ab5e055f7406c4b3624e49e06d24e90375a
filelock==4.1.0 --hash=sha256:2ce9818e3e2d8f284c1a964414447ef148d42a5fd5e2a477a7118e574b293ec1 --hash=sha256:ad7f724afef953e731b1cc39bcd3a09166d72ed7fcdf29e6e88b1c3235c6715d
fsspec==2026.9.0 --hash=sha256:8dd6e646e99ea382bd85f97a45e6b526a442d79423a7dc673f1e2756d05fcb5f --hash=sha256:0f08147951c8cb31d844c3547d631053b127863b60be04cf06e121333ee0e2fe
h5py==3.16.0 --hash=sha256:86385ea895508220b8a7e45efa428aeafaa586bd737c7af9ee04661d8d84a10d --hash=sha256:a0dbaad796840ccaa67a4c144a0d0c8080073c34c76d5a6941d6818678ef2738
jinja2==3.1.6 --hash=sha256:85ece4451f492d0c13c5dd7c13a64681a86afae63a5f347908daf103ce6d2f67 --hash=sha256:0137fb05990d35f1275a587e9aee6d56da821fc83491a0fb838183be43f66d6d
markupsafe==3.0.4 --hash=sha256:cf63c214fe879a65e69a386f915e36104fc84254ab141240f8854602d8e0be2a --hash=sha256:2e9ad7dd851bf45fab9f75cbff4cb493fee9979e8d8c7c9c3ee119022518edd6
mpmath==1.3.0 --hash=sha256:a0b2b9fe80bbcd81a6647ff13108738cfb482d481d826cc0e02f5b35e5c88d2c --hash=sha256:7a28eb2a9774d00c7bc92411c19a89209d5da7c4c9a9e227be8330a23a25b91f
networkx==3.4.2 --hash=sha256:df5d4365b724cf81b8c6a7312509d0c22386097011ad1abe274afd5e9d3bbc5f --hash=sha256:307c3669428c5362aab27c8a1260aa8f47c4e91d3891f48be0141738d8d053e1
numpy==2.2.6 --hash=sha256:efd28d4e9cd7d7a8d39074a4d44c63eda73401580c5c76acda2ce969e0a38e83 --hash=sha256:e29554e2bef54a90aa5cc07da6ce955accb83f21ab5de01a62c8478897b264fd
nvidia-cublas==13.1.0.3 --hash=sha256:c86fc7f7ae36d7528288c5d88098edcb7b02c633d262e7ddbb86b0ad91be5df2
nvidia-cuda-cupti==13.0.85 --hash=sha256:796bd679890ee55fb14a94629b698b6db54bcfd833d391d5e94017dd9d7d3151
nvidia-cuda-nvrtc==13.0.88 --hash=sha256:d27f20a0ca67a4bb34268a5e951033496c5b74870b868bacd046b1b8e0c3267b
nvidia-cuda-runtime==13.0.96 --hash=sha256:ef9bcbe90493a2b9d810e43d249adb3d02e98dd30200d86607d8d02687c43f55
nvidia-cudnn-cu13==9.19.0.56 --hash=sha256:6ed29ffaee1176c612daf442e4dd6cfeb6a0caa43ddcbeb59da94953030b1be4
nvidia-cufft==12.0.0.61 --hash=sha256:2708c852ef8cd89d1d2068bdbece0aa188813a0c934db3779b9b1faa8442e5f5
nvidia-cufile==1.15.1.6 --hash=sha256:bdc0deedc61f548bddf7733bdc216456c2fdb101d020e1ab4b88d232d5e2f6d1
nvidia-curand==10.4.0.35 --hash=sha256:133df5a7509c3e292aaa2b477afd0194f06ce4ea24d714d616ff36439cee349a
nvidia-cusolver==12.0.4.66 --hash=sha256:02c2457eaa9e39de20f880f4bd8820e6a1cfb9f9a34f820eb12a155aa5bc92d2
nvidia-cusparse==12.6.3.3 --hash=sha256:80bcc4662f23f1054ee334a15c72b8940402975e0eab63178fc7e670aa59472c
nvidia-cusparselt-cu13==0.8.0 --hash=sha256:400c6ed1cf6780fc6efedd64ec9f1345871767e6a1a0a552a1ea0578117ea77c
nvidia-nccl-cu13==2.28.9 --hash=sha256:01c873ba1626b54caa12272ed228dc5b2781545e0ae8ba3f432a8ef1c6d78643
nvidia-nvjitlink==13.0.88 --hash=sha256:e931536ccc7d467a98ba1d8b89ff7fa7f1fa3b13f2b0069118cd7f47bff07d0c
nvidia-nvshmem-cu13==3.4.5 --hash=sha256:6dc2a197f38e5d0376ad52cd1a2a3617d3cdc150fd5966f4aee9bcebb1d68fe9
nvidia-nvtx==13.0.85 --hash=sha256:cb7780edb6b14107373c835bf8b72e7a178bac7367e23da7acb108f973f157a6
packaging==26.4 --hash=sha256:81383611a09c1bc0b08b76e0fd5829d7c6824c65b27a6aee339da133f4233ea2 --hash=sha256:c4b671c41ddb9bf26e543c37723610d28fb6bf7affc4da17cf048d419d2c062a
pillow==12.3.0 --hash=sha256:5594fc43d548a7ed94949d139aa1341b270f1863f11cfd37f5a6c8b778a6b67f --hash=sha256:3b8182a766685eaa002637e28b4ec8d6b18819a0c71f579bf0dbaa5830297cce
pip==26.3 --hash=sha256:f3b60b20ffaadd4415ed7957212a38ac63fa4c5fa375bd0f4a797777940fad13 --hash=sha256:6c36ae7da8695be67e3cd9f7d87919667ced53f57ce2ede75d89b5912ed2bc4c
psutil==7.2.2 --hash=sha256:b0726cecd84f9474419d67252add4ac0cd9811b04d61123054b9fb6f57df6e9e --hash=sha256:0746f5f8d406af344fd547f1c8daa5f5c33dbc293bb8d6a16d80b4bb88f59372
pycparser==3.11 --hash=sha256:51d5a8ba2be0bbe440b99d2112604c95bbbc3c2748a64260186c541e1729cd80 --hash=sha256:d875f09c3507d00e1aba0eecc6dcadc1352f30fff09dc6bff2f1c2935e97c2bc
pyyaml==6.0.4 --hash=sha256:54c23934cf166bb2090d73d82b1388aadb1cead5e73885223dcfa4a459a22d43 --hash=sha256:e24bf71af8a432d7808fabff134d38dfe16d3cbb41f2873bb4b1e42422de0a1a
setuptools==81.0.0 --hash=sha256:fdd925d5c5d9f62e4b74b30d6dd7828ce236fd6ed998a08d81de62ce5a6310d6 --hash=sha256:487b53915f52501f0a79ccfd0c02c165ffe06631443a886740b91af4b7a5845a
sympy==1.14.0 --hash=sha256:e091cc3e99d2141a0ba2847328f5479b05d94a6635cb96148ccb3f34671bd8f5 --hash=sha256:d3d3fe8df1e5a0b42f0e7bdf50541697dbe7d23746e894990c030e2b05e72517
torch==2.11.0 --hash=sha256:4cf8687f4aec3900f748d553483ef40e0ac38411c3c48d0a86a438f6d7a99b18
torchvision==0.26.0 --hash=sha256:2adfbe438473236191ff077a4a9a0c767436879c89628aa97137e959b0c11a94
tqdm==4.70.1 --hash=sha256:c293e525e6fef9c20e8728fd4612df02a0aa31bb5fe91ecd93e123b1b7bffa73 --hash=sha256:cefd0eca11b2a37a3aee776544d4f4ae913f02688135b5556b8788dfa474afc4
triton==3.6.0 --hash=sha256:6c723cfb12f6842a0ae94ac307dba7e7a44741d720a40cf0e270ed4a4e3be781
typing-extensions==4.16.0 --hash=sha256:481caa481374e813c1b176ada14e97f1f67a4539ce9cfeb3f350d78d6370c2e8 --hash=sha256:dc983d19a509c94dba722ee6abd33940f7c05a89e243c47e907eb4db6f1a43e5
wheel==0.48.0 --hash=sha256:3217dcc807155e45db462d7ef2431f5ddda0d7273b700d05a67b271ceb1287ab --hash=sha256:94800765601e9171bf5d58d066e640662842bcedcbab982b2c90787a2c987322
ENVKIT_LOCK
cat > /opt/envkit/locks/mpi4py.txt <<'ENVKIT_LOCK'
mpi4py==4.1.2 --hash=sha256:6508e654b9c8ff9f611b19548b2a17d1e323b520a15168189f92221e6757b8ff --hash=sha256:bd98d3322c1c3d21b00ed27567a9e4cdcb0d5daf277dc2160fb864721f72e71d --hash=sha256:56860286dc45f20e8821e93cb06669e30462348bf866f685553fa4b712d58d02
ENVKIT_LOCK
cat > /opt/envkit/locks/horovod.txt <<'ENVKIT_LOCK'
horovod==0.28.1 --hash=sha256:92a43f5a94c43907a56805bad15f19700c62ffc83b7ca483f9e104e229f67ef0
ENVKIT_LOCK
# With ENVKIT_BUILD_CACHE pip keeps what it downloads in the store (3 GB of wheels for torch's CUDA build), every
# file still checked against the lock's sha256; without it nothing is cached (nor left in the image).
if [ -n "${ENVKIT_BUILD_CACHE:-}" ]; then pip_cache=(--cache-dir "$ENVKIT_BUILD_CACHE/pip"); else pip_cache=(--no-cache-dir); fi
/opt/envkit/venv/bin/pip install "${pip_cache[@]}" --require-hashes --no-deps -r /opt/envkit/locks/base.txt

# 4. mpi4py, compiled against the image's MPI (its locked sdist; the build tools are the locked ones)
echo "envkit-step: 4/4 mpi4py: compile against the image's MPI"
MPICC=/opt/mpi/bin/mpicc /opt/envkit/venv/bin/pip install --no-cache-dir --require-hashes --no-deps --no-build-isolation --no-binary=mpi4py -r /opt/envkit/locks/mpi4py.txt

# The MPI the image carries, as its library names itself (no launcher is asked: not every MPI family ships one).
/opt/envkit/venv/bin/python -c 'import mpi4py; mpi4py.rc.initialize = False; from mpi4py import MPI; print(MPI.Get_library_version().splitlines()[0].strip(" \t\0"))' > /opt/envkit/manifest/mpi-version.txt

# Horovod is not built here: its own layer (horovod.post.sh) compiles it for the images that run --dist horovod.


# 5. Provenance
printf '%s\n' envkit-base > /opt/envkit/manifest/base-name.txt

# envkit base layer: envkit-base (x86_64, CUDA none)
# Every value from the profile or base below is shell-quoted when rendered.
set -eu
export DEBIAN_FRONTEND=noninteractive
mkdir -p /opt/envkit/src /opt/envkit/manifest

# 1. Operating system packages
echo "envkit-step: 1/4 OS packages (apt)"
# With ENVKIT_BUILD_CACHE (a Charliecloud build: the store's download cache) apt keeps its .deb files there,
# one folder per starting image, so the next base downloads none again (apt checks each against its signed index).
apt_cache=()
if [ -n "${ENVKIT_BUILD_CACHE:-}" ]; then
  mkdir -p "$ENVKIT_BUILD_CACHE/apt/"debian-bookworm"/partial"
  apt_cache=(-o "Dir::Cache::Archives=$ENVKIT_BUILD_CACHE/apt/"debian-bookworm"/")
fi
apt-get update
# dpkg without an fsync per file (--force-unsafe-io, as Docker's Debian images set it): a build that dies is
# thrown away whole, so nothing needs what the syncs protect.
apt-get install "${apt_cache[@]}" -o Dpkg::Options::=--force-unsafe-io -y --no-install-recommends build-essential=12.9 bzip2=1.0.8-5+b1 'ca-certificates=20250419~deb12u2' cmake=3.25.1-1 curl=7.88.1-10+deb12u15 git=1:2.39.5-0+deb12u3 libopenmpi-dev=4.1.4-3+b1 openmpi-bin=4.1.4-3+b1 pkg-config=1.8.1-1 procps=2:4.0.2-3 python3=3.11.2-1+b1 python3-dev=3.11.2-1+b1 python3-venv=3.11.2-1+b1
rm -rf /var/lib/apt/lists/*

# 2. MPI: openmpi 4.1.4, hybrid model, installed from distro
echo "envkit-step: 2/4 MPI (distro)"
# The distribution's MPI package matches the host's (installed with the OS packages above).
export PATH=/usr/bin:"$PATH"

# 3. Python (the OS python3) and torch
echo "envkit-step: 3/4 Python packages (torch and the rest, locked)"
# This venv holds nothing built against the image's MPI, so it is the same for every base with the same starting
# image, python3 and lock: its key (envkit.recipe.venv_reuse) goes to the manifest. A Charliecloud build that found
# a base with this key in its store binds that base's /opt/envkit at ENVKIT_VENV_DONOR and its venv at
# /opt/envkit/venv: the venv is then used as it is (pip below checks that every locked package is there at its
# locked version), and envkit hard-links its files into the image after the build.
printf '%s\n' 4914415761d99f2433af63e3a4175bd0cbae3bc0acfa233cb424cd2edb12c311 > /opt/envkit/manifest/venv-key.txt
reuse_venv=
if [ -n "${ENVKIT_VENV_DONOR:-}" ]; then
  # The bound venv is another image's: nothing below may write to it (no bytecode either).
  test "$(cat "$ENVKIT_VENV_DONOR/manifest/venv-key.txt" 2>/dev/null)" = 4914415761d99f2433af63e3a4175bd0cbae3bc0acfa233cb424cd2edb12c311 \
    || { echo "envkit: the base bound at $ENVKIT_VENV_DONOR has another venv key" >&2; exit 1; }
  test -x /opt/envkit/venv/bin/python || { echo "envkit: no venv bound at /opt/envkit/venv" >&2; exit 1; }
  echo "envkit: the Python packages: those of a base with the same key, bound at /opt/envkit/venv"
  export PYTHONDONTWRITEBYTECODE=1
  reuse_venv=1
else
  python3 -m venv /opt/envkit/venv
fi
# Every Python package comes from the site's lock pylock.base.toml: exact versions, each file checked against
# its sha256 (--require-hashes), no dependency resolved at build time (--no-deps).
mkdir -p /opt/envkit/locks
cat > /opt/envkit/locks/base.txt <<'ENVKIT_LOCK'
cffi==2.1.1 --hash=sha256:34e261f78cb6ceaaa36f42f2613f4380d94d9c759a9c73c769ee6e0247364632 --hash=sha256:dd31f52ea1086513bb9df30f8fcee9b8918323ae067a3d5b78bc826a000712be
cloudpickle==3.1.3 --hash=sha256:1654f4f18e416447210a63c5c25a135d65a292156aa5fa519dfa4baf7726dddb --hash=sha256:cbe9fde14429a5db009ea05ce94e5182cf998c97b96918d50c10f73f9c2f4f33
cuda-bindings==13.5.0 --hash=sha256:08b7e8d674c3266facb00453a7e34ea7d3ea965c2f594bb728f269f45f39fbe2
cuda-pathfinder==1.9.1 --hash=sha256:b743c132f90ad2d1e71d43fd28f31ebcde518f943e50fd44aca62b2a80d5230d
cuda-toolkit==13.0.3.0 --hash=sha256:d693caaa261214ddd7dbb60d68e71cbed884e68c2be7509778f3051da0b91c3f
cython==3.3.1 --hash=sha256:26a28e0ca5dffe9c7d69d1e3a0f78cb74f41b2b6b40771f620262a5d04862a00 --hash=sha256:61abc7feedd20dac6c4ff7ab3a30e17136a067b242ab9253e2b4a6d9a72c2b61 --hash=sha256:e0e45989e821bef6aa9ae15c7d583ab5e055f7406c4b3624e49e06d24e90375a
filelock==4.3.1 --hash=sha256:79e43df8e9fe509cd83a3899a7c186c8077cbbe4d200a1ed3705c2f3bb6bc487 --hash=sha256:4c5ee627c401f1863ac6a0de9a14a28d3bb5f8c730b45e2fd6e5dbc79cf34b9e
fsspec==2026.9.0 --hash=sha256:8dd6e646e99ea382bd85f97a45e6b526a442d79423a7dc673f1e2756d05fcb5f --hash=sha256:0f08147951c8cb31d844c3547d631053b127863b60be04cf06e121333ee0e2fe
h5py==3.16.0 --hash=sha256:fb1720028d99040792bb2fb31facb8da44a6f29df7697e0b84f0d79aff2e9bd3 --hash=sha256:a0dbaad796840ccaa67a4c144a0d0c8080073c34c76d5a6941d6818678ef2738
jinja2==3.1.6 --hash=sha256:85ece4451f492d0c13c5dd7c13a64681a86afae63a5f347908daf103ce6d2f67 --hash=sha256:0137fb05990d35f1275a587e9aee6d56da821fc83491a0fb838183be43f66d6d
markupsafe==3.0.4 --hash=sha256:6da83a088f8ef93b2d483a8232a4dbf4d69d3d8496b568a03c56becac43e1808 --hash=sha256:2e9ad7dd851bf45fab9f75cbff4cb493fee9979e8d8c7c9c3ee119022518edd6
mpi4py==4.1.2 --hash=sha256:2ef63b2e3083e6062fd90e4de8c4e3acbf81e0772406e0226eb8dde6a48cab8e --hash=sha256:de484475b80f9e1ffe98cb85e1b776eb9f42bb73ae4d79449d42953f80025bf4 --hash=sha256:56860286dc45f20e8821e93cb06669e30462348bf866f685553fa4b712d58d02
mpmath==1.3.0 --hash=sha256:a0b2b9fe80bbcd81a6647ff13108738cfb482d481d826cc0e02f5b35e5c88d2c --hash=sha256:7a28eb2a9774d00c7bc92411c19a89209d5da7c4c9a9e227be8330a23a25b91f
networkx==3.6.1 --hash=sha256:d47fbf302e7d9cbbb9e2555a0d267983d2aa476bac30e90dfbe5669bd57f3762 --hash=sha256:26b7c357accc0c8cde558ad486283728b65b6a95d85ee1cd66bafab4c8168509
numpy==2.4.6 --hash=sha256:89cd468399cfd2504718f0ba50e410dca55a170b61a02ad92bb18c8a65186e93 --hash=sha256:f3a3570c4a2a16746ac2c31a7c7c7b0c186b95ce902e33db6f28094ed7387dda
nvidia-cublas==13.1.1.3 --hash=sha256:37936a16db8fe4ac1f065c2139360608a543a09275cb1a1af612e08cfa065436
nvidia-cuda-cupti==13.0.85 --hash=sha256:4eb01c08e859bf924d222250d2e8f8b8ff6d3db4721288cf35d14252a4d933c8
nvidia-cuda-nvrtc==13.0.88 --hash=sha256:ad9b6d2ead2435f11cbb6868809d2adeeee302e9bb94bcf0539c7a40d80e8575
nvidia-cuda-runtime==13.0.96 --hash=sha256:7f82250d7782aa23b6cfe765ecc7db554bd3c2870c43f3d1821f1d18aebf0548
nvidia-cudnn-cu13==9.24.0.43 --hash=sha256:71f181cd810e90f9b6023b01186fe82d13d65f0ec098581ee201d39fad769e4b
nvidia-cufft==12.0.0.61 --hash=sha256:6c44f692dce8fd5ffd3e3df134b6cdb9c2f72d99cf40b62c32dde45eea9ddad3
nvidia-cufile==1.15.1.6 --hash=sha256:08a3ecefae5a01c7f5117351c64f17c7c62efa5fffdbe24fc7d298da19cd0b44
nvidia-curand==10.4.0.35 --hash=sha256:1aee33a5da6e1db083fe2b90082def8915f30f3248d5896bcec36a579d941bfc
nvidia-cusolver==12.0.4.66 --hash=sha256:0a759da5dea5c0ea10fd307de75cdeb59e7ea4fcb8add0924859b944babf1112
nvidia-cusparse==12.6.3.3 --hash=sha256:2b3c89c88d01ee0e477cb7f82ef60a11a4bcd57b6b87c33f789350b59759360b
nvidia-cusparselt-cu13==0.8.1 --hash=sha256:786ce87568c303fadb5afcc7102d454cd3040d75f6f8626f5db460d1871f4dd0
nvidia-nccl-cu13==2.30.7 --hash=sha256:cefa7fdb9710efd0f39c5f1be1d61ff6fc9a996c451265bd7fbdcf9455ed4b50
nvidia-nvjitlink==13.5.37 --hash=sha256:280d7cb9649704145f074b8dbde500de04ce02d0872e066e20a83c17bcaa93eb
nvidia-nvshmem-cu13==3.4.5 --hash=sha256:290f0a2ee94c9f3687a02502f3b9299a9f9fe826e6d0287ee18482e78d495b80
nvidia-nvtx==13.0.85 --hash=sha256:4936d1d6780fbe68db454f5e72a42ff64d1fd6397df9f363ae786930fd5c1cd4
packaging==26.4 --hash=sha256:81383611a09c1bc0b08b76e0fd5829d7c6824c65b27a6aee339da133f4233ea2 --hash=sha256:c4b671c41ddb9bf26e543c37723610d28fb6bf7affc4da17cf048d419d2c062a
pillow==13.0.0 --hash=sha256:a625df9a2a5597fa5e5266e01aefc82604bb85d291e3547981e863560d75da6c --hash=sha256:cdcd1ba258178f7356d74170c9a81ba4eab6a5d55748bc402a5a2a6fe6be3510
pip==26.3 --hash=sha256:f3b60b20ffaadd4415ed7957212a38ac63fa4c5fa375bd0f4a797777940fad13 --hash=sha256:6c36ae7da8695be67e3cd9f7d87919667ced53f57ce2ede75d89b5912ed2bc4c
psutil==7.2.2 --hash=sha256:076a2d2f923fd4821644f5ba89f059523da90dc9014e85f8e45a5774ca5bc6f9 --hash=sha256:0746f5f8d406af344fd547f1c8daa5f5c33dbc293bb8d6a16d80b4bb88f59372
pycparser==3.12 --hash=sha256:a076f3f489b39b43ed13563a1dafe42447445bec2e294154ec5c57fcdda4c85e --hash=sha256:f03387877eab82ce01bbdfd0ba7252ee55a90b1c708d5129e2ce915475cf1db6
pyyaml==6.0.4 --hash=sha256:622aa875fa6533f25fedcffe23079357d65a690d462200afed5d8e9d0e01ebee --hash=sha256:e24bf71af8a432d7808fabff134d38dfe16d3cbb41f2873bb4b1e42422de0a1a
setuptools==84.2.1 --hash=sha256:ca140b45d5325a9478f880e351484f62fef15f336462e449ca0c03c873d589c2 --hash=sha256:3ff8b3b5492a0aa66960f4419365a86b84e013070d4313e4d4a6894f5d64d6bc
sympy==1.14.0 --hash=sha256:e091cc3e99d2141a0ba2847328f5479b05d94a6635cb96148ccb3f34671bd8f5 --hash=sha256:d3d3fe8df1e5a0b42f0e7bdf50541697dbe7d23746e894990c030e2b05e72517
torch==2.14.1 --hash=sha256:305a61f61f35f128579f299c5bd33d475f6a01c6307336139632e30856c4854d
torchvision==0.29.1 --hash=sha256:2cb678029a5dd45afbbfa662fce49736827d52be33242b5a8a731e0db02ccdf5
tqdm==4.70.1 --hash=sha256:c293e525e6fef9c20e8728fd4612df02a0aa31bb5fe91ecd93e123b1b7bffa73 --hash=sha256:cefd0eca11b2a37a3aee776544d4f4ae913f02688135b5556b8788dfa474afc4
triton==3.8.0 --hash=sha256:68988ac85d5e7086baeda0ddc175af9667db7529b3c5e11a5c0601b8bef2200a
typing-extensions==4.16.0 --hash=sha256:481caa481374e813c1b176ada14e97f1f67a4539ce9cfeb3f350d78d6370c2e8 --hash=sha256:dc983d19a509c94dba722ee6abd33940f7c05a89e243c47e907eb4db6f1a43e5
wheel==0.48.0 --hash=sha256:3217dcc807155e45db462d7ef2431f5ddda0d7273b700d05a67b271ceb1287ab --hash=sha256:94800765601e9171bf5d58d066e640662842bcedcbab982b2c90787a2c987322
ENVKIT_LOCK
cat > /opt/envkit/locks/horovod.txt <<'ENVKIT_LOCK'
horovod==0.28.1 --hash=sha256:92a43f5a94c43907a56805bad15f19700c62ffc83b7ca483f9e104e229f67ef0
ENVKIT_LOCK
# With ENVKIT_BUILD_CACHE pip keeps what it downloads in the store (3 GB of wheels for torch's CUDA build), every
# file still checked against the lock's sha256; without it nothing is cached (nor left in the image).
if [ -n "${ENVKIT_BUILD_CACHE:-}" ]; then pip_cache=(--cache-dir "$ENVKIT_BUILD_CACHE/pip"); else pip_cache=(--no-cache-dir); fi
if [ -n "$reuse_venv" ]; then
  # pip resolves the lock against the bound venv without installing (--dry-run, --no-index): each locked
  # name==version must be there already, else the report lists it and the build stops.
  /opt/envkit/venv/bin/pip install --dry-run --no-index --require-hashes --no-deps --report "/tmp/envkit-venv-check-$$.json" -r /opt/envkit/locks/base.txt
  /opt/envkit/venv/bin/python -c 'import json, sys; todo = [x["metadata"]["name"] for x in json.load(open(sys.argv[1]))["install"]]; sys.exit("envkit: the bound venv lacks " + " ".join(todo) if todo else 0)' "/tmp/envkit-venv-check-$$.json"
  rm -f "/tmp/envkit-venv-check-$$.json"
else
  /opt/envkit/venv/bin/pip install "${pip_cache[@]}" --require-hashes --no-deps -r /opt/envkit/locks/base.txt
fi

# 4. mpi4py: its locked wheel, installed above with the rest. mpi4py >= 4.1 publishes wheels that load MPICH or
# Open MPI (and their ABI-compatible derivatives) at run time (https://mpi4py.readthedocs.io/en/4.1.1/install.html,
# CHANGES.rst release 4.1.0), so the distribution's MPI needs no compile here (it took minutes on 2 cores).

# The MPI the image carries, as its library names itself (no launcher is asked: not every MPI family ships one).
/opt/envkit/venv/bin/python -c 'import mpi4py; mpi4py.rc.initialize = False; from mpi4py import MPI; print(MPI.Get_library_version().splitlines()[0].strip(" \t\0"))' > /opt/envkit/manifest/mpi-version.txt

# Horovod is not built here: its own layer (horovod.post.sh) compiles it for the images that run --dist horovod.


# 5. Provenance
printf '%s\n' envkit-base > /opt/envkit/manifest/base-name.txt

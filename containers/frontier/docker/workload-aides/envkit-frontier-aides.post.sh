# envkit workload layer: aides
set -eu
# where `envkit run` binds the host's results folder
mkdir -p /opt/envkit/results
# NOT LOCKED: torch comes from https://download.pytorch.org/whl/rocm6.2 (its ROCm builds are not on PyPI), which the lock (PyPI only) does not resolve: the recipe installs it unpinned
/opt/envkit/venv/bin/pip install --no-cache-dir /opt/envkit/src timm h5py galsim matplotlib

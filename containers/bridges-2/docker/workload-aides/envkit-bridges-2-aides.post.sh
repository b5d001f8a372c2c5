# envkit workload layer: aides
set -eu
/opt/envkit/venv/bin/pip install --no-cache-dir /opt/envkit/src timm h5py galsim matplotlib

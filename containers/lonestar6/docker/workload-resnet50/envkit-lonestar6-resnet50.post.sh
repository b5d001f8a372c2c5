# envkit workload layer: resnet50
set -eu
# where `envkit run` binds the host's results folder
mkdir -p /opt/envkit/results
# NOT LOCKED: no lock: `envkit lock --site lonestar6` writes it
/opt/envkit/venv/bin/pip install --no-cache-dir /opt/envkit/src torchvision pillow matplotlib

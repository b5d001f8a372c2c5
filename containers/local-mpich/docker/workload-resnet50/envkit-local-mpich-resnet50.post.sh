# envkit workload layer: resnet50
set -eu
# where `envkit run` binds the host's results folder
mkdir -p /opt/envkit/results
/opt/envkit/venv/bin/pip install --no-cache-dir /opt/envkit/src torchvision pillow matplotlib
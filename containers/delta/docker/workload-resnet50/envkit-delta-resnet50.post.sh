# envkit workload layer: resnet50
set -eu
/opt/envkit/venv/bin/pip install --no-cache-dir /opt/envkit/src torchvision pillow

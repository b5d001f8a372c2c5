# envkit workload layer: resnet50
set -eu
# where `envkit run` binds the host's results folder
mkdir -p /opt/envkit/results
# NOT LOCKED: torch comes from conda channel conda-forge for ppc64le, which this machine cannot reach; lock it where conda-forge is reachable (conda-lock) and commit the result
/opt/envkit/venv/bin/pip install --no-cache-dir /opt/envkit/src torchvision pillow matplotlib

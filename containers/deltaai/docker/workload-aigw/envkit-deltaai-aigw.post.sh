# envkit workload layer: aigw
set -eu
# where `envkit run` binds the host's results folder
mkdir -p /opt/envkit/results
# NOT LOCKED: no lock: `envkit lock --site deltaai` writes it
/opt/envkit/venv/bin/pip install --no-cache-dir /opt/envkit/src h5py lalsuite scipy matplotlib

# envkit workload test: the runner and the workload import.
set -eu
python -c 'import envkit.train' 
test -f /opt/envkit/workloads/aigw/workload.yaml

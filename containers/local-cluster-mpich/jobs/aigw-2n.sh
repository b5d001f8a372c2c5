#!/bin/bash
#SBATCH --job-name=envkit-aigw
#SBATCH --nodes=2
#SBATCH --ntasks-per-node=1
#SBATCH --partition=debug
#SBATCH --output=/scratch/envkit/results/RUN_ID/job.log
# envkit job: aigw on local-cluster-mpich, 2 node(s) x 1 rank(s); run RUN_ID
# Written by `envkit submit` from the site profile (hash 8c894c1ae3409c8f); every value below is shell-quoted.
set -u
cd /scratch/envkit
status=0
# the allocation's first compute host (torchrun's rendezvous, the ranks' MASTER_ADDR), read on the host from the scheduler when the job runs
ENVKIT_RDZV_HOST=$(scontrol show hostnames "$SLURM_JOB_NODELIST" | head -n 1)
if [ -z "$ENVKIT_RDZV_HOST" ]; then
  printf '%s\n' 'envkit: cannot read the first host of the allocation for the rendezvous' >&2
  status=1
else
  mpiexec.mpich -n 2 -ppn 1 -genv OMPI_MCA_btl_vader_single_copy_mechanism none -genv OMP_NUM_THREADS 1 -genv ENVKIT_MASTER_ADDR "$ENVKIT_RDZV_HOST" ch-run --unset-env=VIRTUAL_ENV --unset-env=PYTHONPATH --unset-env=PYTHONHOME --unset-env=PYTHONSTARTUP --unset-env=LD_LIBRARY_PATH --unset-env=LD_PRELOAD --unset-env=CONDA_PREFIX --unset-env=CONDA_DEFAULT_ENV --set-env -b /scratch/envkit/results:/opt/envkit/results /scratch/envkit/store/charliecloud/storage/img/envkit-local-cluster-mpich-aigw -- python3 -m envkit.launch.pmi_env python3 -m envkit.train aigw --site local-cluster-mpich --engine charliecloud --results /opt/envkit/results --run-id RUN_ID --dist ddp || status=$?
fi
printf '%s\n' "$status" > /scratch/envkit/results/RUN_ID/job-exit-code
exit "$status"

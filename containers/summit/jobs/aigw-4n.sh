#!/bin/bash
#BSUB -J envkit-aigw
#BSUB -nnodes 4
#BSUB -W 02:00
#BSUB -P PROJECT
#BSUB -q batch
#BSUB -o /scratch/envkit/results/RUN_ID/job.log
# envkit job: aigw on summit, 4 node(s) x 6 rank(s); run RUN_ID
# Written by `envkit submit` from the site profile (hash cf143d6dc8d146c5); every value below is shell-quoted.
set -u
module load spectrum-mpi
module load cuda/11.7.1
cd /scratch/envkit
status=0
jsrun --smpiargs=-gpu -bpacked:7 -n24 -r6 -a1 -c7 -g1 --env=OMPI_MCA_pml=ucx apptainer exec --nv --bind /gpfs/alpine2,/autofs/nccs-svm1_home1,/autofs/nccs-svm1_home1:/ccs/home,/opt/ibm/spectrum_mpi,/scratch/envkit/results:/opt/envkit/results /scratch/envkit/store/apptainer/envkit-summit-aigw.sif python3 -m envkit.train aigw --site summit --engine apptainer --results /opt/envkit/results --run-id RUN_ID --dist ddp || status=$?
printf '%s\n' "$status" > /scratch/envkit/results/RUN_ID/job-exit-code
exit "$status"

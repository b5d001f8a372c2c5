# envkit Horovod layer test: Horovod imports with its PyTorch extension, built with MPI and Gloo.
set -eu
python -c 'import horovod.torch as hvd; print("horovod", hvd.__version__ if hasattr(hvd, "__version__") else "ok")'

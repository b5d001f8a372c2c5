"""envkit's training runner: one loop for every workload (DDP, Horovod, precision, checkpoints, metrics).

Example:
    >>> # python -m envkit.train aigw --preset smoke --steps 20
    >>> from envkit.train.config import parse_args
    >>> parse_args(["resnet50", "--dist", "ddp"]).dist
    'ddp'
"""

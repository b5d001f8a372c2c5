"""Batch schedulers, one module each (slurm, lsf, pbs) behind the interface in envkit.schedulers.base; the
names are listed in envkit.registry.SCHEDULERS, plugins come through the `envkit.schedulers` entry points."""

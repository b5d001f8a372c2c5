"""Launchers, one module each (srun, jsrun, mpirun, mpiexec, mpiexec-pals, torchrun) behind the interface in
envkit.launchers.base; the names are listed in envkit.registry.LAUNCHERS, plugins come through the
`envkit.launchers` entry points."""

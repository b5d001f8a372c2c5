"""The launch model: launch lines for each site (srun, jsrun, mpirun, mpiexec, torchrun) and `compose`,
the one function `envkit run`, `envkit submit` and the help-desk pages take their command lines from.

Example:
    >>> from envkit.launch import LaunchPlan, launch_argv
    >>> from envkit.profile import load_profile
    >>> launch_argv(load_profile("hal"), LaunchPlan(1, 4, ("hostname",), gpus_per_task=1))[0]
    'srun'
"""

from envkit.launch.base import LAUNCHERS, Launcher, LaunchPlan, get_launcher, launch_argv, register_launcher

__all__ = ["LAUNCHERS", "LaunchPlan", "Launcher", "get_launcher", "launch_argv", "register_launcher"]

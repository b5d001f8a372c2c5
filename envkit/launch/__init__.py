"""The launch model: `compose`, the one function `envkit run`, `envkit submit` and the help-desk pages take
their command lines from, around the site's launcher (envkit.launchers, one module each).

Example:
    >>> from envkit.launch import LaunchPlan, launch_argv
    >>> from envkit.profile import load_profile
    >>> launch_argv(load_profile("hal"), LaunchPlan(1, 4, ("hostname",), gpus_per_task=1))[0]
    'srun'
"""

from envkit.launchers.base import LAUNCHERS, Launcher, LaunchPlan, get_launcher, launch_argv, register_launcher

__all__ = ["LAUNCHERS", "LaunchPlan", "Launcher", "get_launcher", "launch_argv", "register_launcher"]

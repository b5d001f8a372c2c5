"""Batch jobs on the site's scheduler: job scripts, submission, and runs read back with their state.

Example:
    >>> from envkit.schedulers.base import get_scheduler
    >>> get_scheduler("pbs").submit_argv("job.sh")
    (['qsub', 'job.sh'], False)
"""

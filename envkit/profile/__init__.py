"""Site profiles: YAML on disk -> validated `Profile`.

Example:
    >>> from envkit.profile import load_profile
    >>> load_profile("hal").gpu.per_node
    4
"""

from envkit.profile.load import find_profile, list_sites, load_profile, load_profile_doc, profile_hash
from envkit.profile.model import Profile

__all__ = ["Profile", "find_profile", "list_sites", "load_profile", "load_profile_doc", "profile_hash"]

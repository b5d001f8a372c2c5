"""matplotlib set-up shared by the evaluation figures: the Agg backend, atomic PNG writes.

Example:
    >>> plt = pyplot()
    >>> fig, ax = plt.subplots(); _ = ax.plot([0, 1]); save(fig, "/tmp/envkit-plot-doctest.png")
"""

from __future__ import annotations

import os
from typing import Any

from envkit.data.atomic import atomic_path


def pyplot() -> Any:
    """matplotlib.pyplot on the non-interactive Agg backend (no display on compute nodes); its cache goes to
    a temporary folder when the home folder is read-only (inside a container image)."""
    if "MPLCONFIGDIR" not in os.environ and not os.access(os.path.expanduser("~"), os.W_OK):
        import tempfile

        os.environ["MPLCONFIGDIR"] = tempfile.mkdtemp(prefix="envkit-matplotlib-")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save(fig: Any, path: str | os.PathLike[str], dpi: int = 110) -> None:
    """Write `fig` as PNG to `path` (temp name, then rename) and close it."""
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=dpi, bbox_inches="tight")
    pyplot().close(fig)

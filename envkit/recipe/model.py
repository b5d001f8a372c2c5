"""The recipe model: one image layer, independent of the output format.

A layer is what both a Singularity/Apptainer definition and a Dockerfile are
rendered from: where it starts (a registry image or the parent layer), the
files it copies, the shell script that installs it (`post`), the runtime
environment, labels, a test script and a run script.

Example:
    >>> layer = Layer(kind="site", tag="envkit-local", parent="envkit-base-local",
    ...               post="echo hi\\n", test="true\\n")
    >>> layer.singularity_from
    'envkit-base-local.sif'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

LayerKind = Literal["base", "site", "horovod", "workload", "project"]
LAYER_KINDS: tuple[LayerKind, ...] = ("base", "site", "horovod", "workload")
"""The layer kinds `--layer` names, in build order: each one starts from the one before. The Horovod layer is
optional: only the images of runs that ask for `--dist horovod` have it (between site and workload). A project
layer (envkit.recipe.project_layer) starts from the site layer, in a workload's place."""


@dataclass(frozen=True)
class InstallFacts:
    """What a layer's install script does, as data beside its rendered text: docs and engines read these
    and never parse the script.

    Example:
        >>> InstallFacts(os_packages=("curl",)).mpi_configure
        ()
    """

    os_packages: tuple[str, ...] = ()       # the OS packages the script installs
    os_install: tuple[str, ...] = ()        # the same as the install line names them (name=version when locked)
    mpi_url: str | None = None              # the MPI source tarball, when MPI is built from source
    mpi_configure: tuple[str, ...] = ()     # its ./configure flags (empty unless built from source)
    horovod_env: tuple[str, ...] = ()       # the HOROVOD_*=... settings of Horovod's build (empty: no Horovod)
    venv_key: str | None = None             # a base's Python environment as a function of its inputs, when it
                                            # holds nothing MPI-specific (envkit.recipe.venv_reuse)


@dataclass(frozen=True)
class Layer:
    """One layer of a site image (base -> site [-> horovod] -> workload)."""

    kind: LayerKind
    tag: str
    post: str
    test: str
    parent: str | None = None          # the parent layer's tag (every layer but the base)
    image: str | None = None           # the registry image a base starts from
    files: tuple[tuple[str, str], ...] = ()        # (source relative to the envkit tree, destination)
    environment: tuple[tuple[str, str], ...] = ()  # (name, value); values may use $VAR of the image
    labels: tuple[tuple[str, str], ...] = ()
    runscript: str | None = None
    help: str = ""
    build_env: tuple[tuple[str, str], ...] = field(default=())  # variables for the install script only
    facts: InstallFacts = field(default_factory=InstallFacts)   # what `post` does, as data

    @property
    def bootstrap(self) -> str:
        """Singularity's Bootstrap agent: docker for a base, localimage on top of a parent."""
        return "docker" if self.parent is None else "localimage"

    def __post_init__(self) -> None:
        if (self.parent is None) == (self.image is None):
            raise ValueError(f"layer {self.tag!r} needs exactly one of parent (a layer) and image (a registry image)")

    @property
    def singularity_from(self) -> str:
        """What `From:` names: a registry image, or the parent's .sif file."""
        return f"{self.parent}.sif" if self.parent is not None else str(self.image)

    @property
    def docker_from(self) -> str:
        """What `FROM` names: a registry image, or the parent's tag."""
        return self.parent if self.parent is not None else str(self.image)

    @property
    def script_name(self) -> str:
        """File name of the install script in the Docker form's build context."""
        return f"{self.tag}.post.sh"

    @property
    def test_name(self) -> str:
        """File name of the test script in the Docker form's build context."""
        return f"{self.tag}.test.sh"

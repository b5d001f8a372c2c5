"""Render a layer in an output format: a Singularity/Apptainer definition or a Dockerfile.

Both come from the same Layer. The definition is one self-contained file; the
Dockerfile form also needs its install and test scripts beside it (ch-image
and docker COPY them in), so a render returns every file of the build context.

Example:
    >>> from envkit.profile import load_profile
    >>> from envkit.recipe.layers import site_layer
    >>> files = render_layer(site_layer(load_profile("local")), "docker", "local")
    >>> sorted(files)
    ['Dockerfile', 'envkit-local.post.sh', 'envkit-local.test.sh']
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from envkit.recipe.model import Layer
from envkit.recipe.render import render_template, render_template_blocks

Format = Literal["singularity", "docker"]
FORMATS: tuple[str, ...] = ("singularity", "docker")


DEFINITION_TEMPLATE = "singularity.def.j2"
DEFINITION_HEADER = ("bootstrap", "from")        # the template's header blocks, Apptainer's (lowercase) keys
DEFINITION_SECTIONS = ("help", "environment", "test", "runscript")   # its section blocks, by section name


def _definition_context(layer: Layer, site: str) -> dict[str, Any]:
    return {"layer": layer, "site": site, "post": layer.post, "test": layer.test}


def render_definition(layer: Layer, site: str) -> str:
    """The Singularity/Apptainer definition file of one layer."""
    return render_template(DEFINITION_TEMPLATE, **_definition_context(layer, site))


@dataclass(frozen=True)
class DefinitionParts:
    """A layer's definition file and the parts of it that an export puts under /.singularity.d/.

    `text` is the whole file (render_definition's); `header` holds the Bootstrap and From values
    (lowercase keys, as Apptainer records them); `help`, `environment`, `test` and `runscript` are
    section bodies as Apptainer's parser takes them from `text`: every line after the `%name` line
    up to the next section, the blank line before it included ("" when the section is absent).
    """

    text: str
    header: dict[str, str] = field(default_factory=dict)
    help: str = ""
    environment: str = ""
    test: str = ""
    runscript: str = ""


def definition_parts(layer: Layer, site: str) -> DefinitionParts:
    """The definition of `layer` and its parts, each rendered from the template's own block with the
    variables of render_definition (the template is the one home of the format: nothing parses `text`).

    Example:
        >>> from envkit.recipe.model import Layer
        >>> layer = Layer(kind="site", tag="t", parent="b", post="", test="true\\n", help="A test image.",
        ...               environment=(("A", "1"),))
        >>> parts = definition_parts(layer, "x")
        >>> parts.header, parts.help, parts.environment, parts.runscript
        ({'bootstrap': 'localimage', 'from': 'b.sif'}, '    A test image.\\n\\n', '    export A=1\\n\\n', '')
        >>> parts.text == render_definition(layer, "x") and "\\n%environment\\n    export A=1\\n" in parts.text
        True
    """
    text, blocks = render_template_blocks(DEFINITION_TEMPLATE, DEFINITION_HEADER + DEFINITION_SECTIONS,
                                          **_definition_context(layer, site))
    return DefinitionParts(text=text, header={key: blocks[key].strip() for key in DEFINITION_HEADER},
                           help=blocks["help"], environment=blocks["environment"], test=blocks["test"],
                           runscript=blocks["runscript"])


def render_dockerfile(layer: Layer, site: str, *, build_args: Sequence[str] = (), header: bool = True) -> str:
    """The Dockerfile of one layer (its scripts are separate files, see render_layer).

    `build_args` are declared with ARG right after FROM (ch-image, like Docker, passes a --build-arg only to a
    declared ARG); `header=False` leaves out the comment lines at the top.

    Example:
        >>> from envkit.recipe.model import Layer
        >>> layer = Layer(kind="base", tag="t", image="debian:12", post="", test="")
        >>> render_dockerfile(layer, "x", build_args=["PIP_CERT"], header=False).splitlines()[:2]
        ['FROM debian:12', 'ARG PIP_CERT']
    """
    return render_template("Dockerfile.j2", layer=layer, site=site, build_args=list(build_args), header=header)


def docker_key_form(layer: Layer) -> str:
    """The layer's Dockerfile as far as it changes a built image: no header comments and no LABEL lines
    (ch-image ignores LABEL), so a label or comment change does not rebuild.

    Example:
        >>> from envkit.recipe.model import Layer
        >>> docker_key_form(Layer(kind="base", tag="t", image="debian:12", post="", test="",
        ...                       labels=(("org.envkit.site", "x"),))).splitlines()[0]
        'FROM debian:12'
    """
    return render_dockerfile(replace(layer, labels=()), "", header=False)


def render_layer(layer: Layer, fmt: Format, site: str) -> dict[str, str]:
    """Every file a build of `layer` in `fmt` needs, by file name."""
    if fmt == "singularity":
        return {f"{layer.kind}.def": render_definition(layer, site)}
    return {
        "Dockerfile": render_dockerfile(layer, site),
        layer.script_name: layer.post,
        layer.test_name: layer.test,
    }

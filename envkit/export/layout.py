"""The `/.singularity.d/` metadata layout that Apptainer's own build writes, for an image built elsewhere.

A SIF that Apptainer runs needs more than a root file system: `apptainer exec` starts
`/.singularity.d/actions/exec`, which sources `/.singularity.d/env/*.sh`; `inspect` reads
`labels.json`, `Singularity` (the definition), `runscript`, `test`, `runscript.help`.
Apptainer writes these while it builds; a Charliecloud image has none of them. This module
lists what Apptainer writes (taken from its source, cited below) and produces the same
entries as mksquashfs pseudo-file definitions, so the image store is never modified.

Where the list comes from (Apptainer, commit 05a391e0dc9a95872affd852e7cf04624d0ee0be):
  - internal/pkg/build/sources/base_environment.go, makeDirs/makeSymlinks/makeFiles:
    BASE_DIRS, BASE_LINKS, BASE_FILES below;
  - internal/pkg/build/metadata.go, insertMetadata: labels.json, Singularity (+ bootstrap_history
    when building on a parent image), runscript, test, runscript.help, env/90-environment.sh
    (the definition's %environment, appended layer after layer).
The script texts are envkit's own, written to do what Apptainer's do (source the env
scripts in order, then exec / run / test); their names, modes and order are Apptainer's.

The definition's parts (header values, %help, %environment, %test, %runscript) come with each layer
as envkit.recipe.formats.DefinitionParts, rendered from the template's blocks: nothing here parses a
definition.

Example:
    >>> _script("#!/bin/bash\\necho hi"), _script("echo hi")
    ('#!/bin/bash\\n\\necho hi\\n', '#!/bin/sh\\n\\necho hi\\n')
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from envkit.recipe.formats import DefinitionParts

APPTAINER_COMMIT = "05a391e0dc9a95872affd852e7cf04624d0ee0be"
APPTAINER_SOURCES = (
    f"https://github.com/apptainer/apptainer/blob/{APPTAINER_COMMIT}/internal/pkg/build/sources/base_environment.go",
    f"https://github.com/apptainer/apptainer/blob/{APPTAINER_COMMIT}/internal/pkg/build/metadata.go",
)
# base_environment.go makeDirs (mode 0755)
BASE_DIRS = (".singularity.d", ".singularity.d/libs", ".singularity.d/actions", ".singularity.d/env",
             "dev", "proc", "root", "var/tmp", "tmp", "etc", "sys", "home")
# base_environment.go makeSymlinks (link -> target, relative to /)
BASE_LINKS = {"apptainer": ".singularity.d/runscript", ".run": ".singularity.d/actions/run",
              ".exec": ".singularity.d/actions/exec", ".test": ".singularity.d/actions/test",
              ".shell": ".singularity.d/actions/shell", "environment": ".singularity.d/env/90-environment.sh"}
# base_environment.go makeFiles (mode 0755 unless noted); etc/hosts and etc/resolv.conf are 0644 and empty
BASE_FILES = (".singularity.d/actions/exec", ".singularity.d/actions/run", ".singularity.d/actions/shell",
              ".singularity.d/actions/start", ".singularity.d/actions/test", ".singularity.d/env/01-base.sh",
              ".singularity.d/env/90-environment.sh", ".singularity.d/env/95-apps.sh",
              ".singularity.d/env/99-base.sh", ".singularity.d/env/99-runtimevars.sh",
              ".singularity.d/runscript", ".singularity.d/startscript", "etc/hosts", "etc/resolv.conf")
# metadata.go insertMetadata: always labels.json and Singularity; test and runscript.help when the
# definition has %test / %help; bootstrap_history/Apptainer0 when the build started from a parent image
METADATA_FILES = (".singularity.d/labels.json", ".singularity.d/Singularity")

_SOURCE_ENV = 'for script in /.singularity.d/env/*.sh; do\n    if [ -f "$script" ]; then\n        . "$script"\n' \
              '    fi\ndone\n'
SCRIPTS = {
    ".singularity.d/actions/exec": f'#!/bin/sh\n{_SOURCE_ENV}\nexec "$@"\n',
    ".singularity.d/actions/run": f'#!/bin/sh\n{_SOURCE_ENV}\nif test -x /.singularity.d/runscript; then\n'
                                  '    exec /.singularity.d/runscript "$@"\nfi\nexec /bin/sh "$@"\n',
    ".singularity.d/actions/shell": f'#!/bin/sh\n{_SOURCE_ENV}\nif test -n "${{APPTAINER_SHELL:-}}" -a '
                                    '-x "${APPTAINER_SHELL:-}"; then\n    exec "$APPTAINER_SHELL" "$@"\nfi\n'
                                    'if test -x /bin/bash; then\n    SHELL=/bin/bash\n    export SHELL\n'
                                    '    exec /bin/bash --norc "$@"\nfi\nSHELL=/bin/sh\nexport SHELL\n'
                                    'exec /bin/sh "$@"\n',
    ".singularity.d/actions/start": f'#!/bin/sh\nkill -CONT 1\n{_SOURCE_ENV}\nif test -x /.singularity.d/startscript;'
                                    ' then\n    exec /.singularity.d/startscript\nfi\n',
    ".singularity.d/actions/test": f'#!/bin/sh\n{_SOURCE_ENV}\nif test -x /.singularity.d/test; then\n'
                                   '    exec /.singularity.d/test "$@"\nfi\nexec /bin/sh -c true\n',
    ".singularity.d/env/01-base.sh": "#!/bin/sh\n",
    ".singularity.d/env/95-apps.sh": "#!/bin/sh\n# envkit images define no SCIF apps\n",
    ".singularity.d/env/99-base.sh": '#!/bin/sh\nif [ -z "${LD_LIBRARY_PATH:-}" ]; then\n'
                                     '    LD_LIBRARY_PATH=/.singularity.d/libs\nelse\n'
                                     '    LD_LIBRARY_PATH="$LD_LIBRARY_PATH:/.singularity.d/libs"\nfi\n'
                                     'PS1="Apptainer> "\nexport LD_LIBRARY_PATH PS1\n',
    ".singularity.d/env/99-runtimevars.sh": '#!/bin/sh\n'
                                            'if [ -n "${SING_USER_DEFINED_PREPEND_PATH:-}" ]; then\n'
                                            '    PATH="$SING_USER_DEFINED_PREPEND_PATH:$PATH"\nfi\n'
                                            'if [ -n "${SING_USER_DEFINED_APPEND_PATH:-}" ]; then\n'
                                            '    PATH="$PATH:$SING_USER_DEFINED_APPEND_PATH"\nfi\n'
                                            'if [ -n "${SING_USER_DEFINED_PATH:-}" ]; then\n'
                                            '    PATH="$SING_USER_DEFINED_PATH"\nfi\n'
                                            'unset SING_USER_DEFINED_PREPEND_PATH SING_USER_DEFINED_APPEND_PATH '
                                            'SING_USER_DEFINED_PATH\nexport PATH\n',
    ".singularity.d/startscript": "#!/bin/sh\n",
}
DEFAULT_RUNSCRIPT = '#!/bin/sh\n\necho "There is no runscript defined for this container"\n'


@dataclass
class Layout:
    """What goes under /.singularity.d/ (and the root links) for one image: path -> (mode, text) and links."""

    files: dict[str, tuple[int, str]] = field(default_factory=dict)
    dirs: list[str] = field(default_factory=list)
    links: dict[str, str] = field(default_factory=dict)

    def paths(self) -> list[str]:
        """Every entry, sorted (what a test compares with Apptainer's list)."""
        return sorted([*self.files, *self.dirs, *self.links])


def _script(body: str) -> str:
    """Apptainer's handleShebangScript: keep the body's own #! line, else #!/bin/sh, then a blank line."""
    if body.lstrip().startswith("#!"):
        first, _, rest = body.lstrip().partition("\n")
        return f"{first.strip()}\n\n{rest}\n"
    return f"#!/bin/sh\n\n{body}\n"


def build_layout(definitions: Sequence[DefinitionParts], labels: dict[str, str], arch: str, created: str,
                 envkit_version: str) -> Layout:
    """The layout for an image whose layers were rendered as `definitions` (base first, top last).

    Example:
        >>> from envkit.recipe.formats import definition_parts
        >>> from envkit.recipe.model import Layer
        >>> base = Layer(kind="base", tag="b", image="debian:12", post="", test="", environment=(("A", "1"),))
        >>> top = Layer(kind="site", tag="s", parent="b", post="", test="true\\n", environment=(("B", "2"),))
        >>> lay = build_layout([definition_parts(base, "x"), definition_parts(top, "x")],
        ...                    {"org.envkit.site": "local"}, "amd64", "2026-11-29T09:00:00+00:00", "0.1.0")
        >>> env = lay.files[".singularity.d/env/90-environment.sh"][1]
        >>> env.removeprefix("#!/bin/sh\\n# Custom environment shell code should follow\\n\\n")
        '\\n    export A=1\\n\\n\\n\\n    export B=2\\n\\n\\n'
        >>> ".singularity.d/bootstrap_history/Apptainer0" in lay.files, ".singularity.d/test" in lay.files
        (True, True)
    """
    lay = Layout(dirs=list(BASE_DIRS), links=dict(BASE_LINKS))
    for path, text in SCRIPTS.items():
        lay.files[path] = (0o755, text)
    lay.files["etc/hosts"] = (0o644, "")
    lay.files["etc/resolv.conf"] = (0o644, "")
    top = definitions[-1]
    # base_environment.go creates 90-environment.sh with a header; metadata.go insertEnvScript then appends
    # each layer's %environment to it (a build on a parent image finds the parent's file and appends too)
    env = "#!/bin/sh\n# Custom environment shell code should follow\n\n"
    for parts in definitions:
        if parts.environment.strip():
            env += f"\n{parts.environment}\n"
    lay.files[".singularity.d/env/90-environment.sh"] = (0o755, env)
    lay.files[".singularity.d/runscript"] = (0o755, _script(top.runscript) if top.runscript.strip()
                                             else DEFAULT_RUNSCRIPT)
    if top.test.strip():
        lay.files[".singularity.d/test"] = (0o755, _script(top.test))
    if top.help.strip():
        lay.files[".singularity.d/runscript.help"] = (0o644, top.help + "\n")
    if len(definitions) > 1:
        lay.dirs.append(".singularity.d/bootstrap_history")
        for index, parts in enumerate(definitions[:-1]):
            lay.files[f".singularity.d/bootstrap_history/Apptainer{index}"] = (0o644, parts.text)
    lay.files[".singularity.d/Singularity"] = (0o644, top.text)
    lay.files[".singularity.d/labels.json"] = (0o644, json.dumps(
        image_labels(labels, top.header, arch, created, envkit_version, bool(top.help.strip())),
        indent="\t", sort_keys=True))
    return lay


def image_labels(labels: dict[str, str], header: dict[str, str], arch: str, created: str, envkit_version: str,
                 has_help: bool) -> dict[str, str]:
    """metadata.go addBuildLabels' labels (with envkit's version instead of Apptainer's), then the recipe's."""
    out = {"org.label-schema.schema-version": "1.0", "org.opencontainers.image.created": created,
           "org.label-schema.build-date": created, "org.label-schema.usage.envkit.version": envkit_version,
           "org.opencontainers.image.architecture": arch, "org.label-schema.build-arch": arch}
    if has_help:
        out["org.label-schema.usage"] = "/.singularity.d/runscript.help"
        out["org.label-schema.usage.apptainer.runscript.help"] = "/.singularity.d/runscript.help"
    for key, value in header.items():
        out[f"org.label-schema.usage.singularity.deffile.{key}"] = value
    out.update(labels)
    return out


def pseudo_definitions(layout: Layout, tree: Path, staging: Path) -> list[str]:
    """mksquashfs `-pf` lines that add the layout to `tree`'s squashfs without touching `tree`.

    Files are staged under `staging` and read with `cat` (mksquashfs' `f` type runs a command); an entry
    the tree already has is left as the tree has it (etc/hosts, /tmp ...), except the layout's own files.
    """
    lines = []
    wanted = {str(parent) for rel in layout.dirs for parent in [*Path(rel).parents][:-1]} | set(layout.dirs)
    for rel in sorted(wanted):     # parents first (var before var/tmp): mksquashfs needs them
        if not (tree / rel).is_dir():
            lines.append(f"/{rel} d 755 0 0")
    for rel, target in sorted(layout.links.items()):
        if not (tree / rel).is_symlink() and not (tree / rel).exists():
            lines.append(f"/{rel} s 777 0 0 {target}")
    for index, (rel, (mode, text)) in enumerate(sorted(layout.files.items())):
        if (tree / rel).exists() and not rel.startswith(".singularity.d/"):
            continue
        staged = staging / f"{index:03d}"
        staged.write_text(text)
        lines.append(f"/{rel} f {mode:o} 0 0 cat {shlex.quote(str(staged))}")
    return lines

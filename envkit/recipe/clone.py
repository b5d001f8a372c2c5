"""Admins clone the maintained base: a new named base that sites can point to.

A clone is two small files in the admin's envkit folder (`$ENVKIT_HOME`, else
`$XDG_DATA_HOME/envkit`; never the install): `bases/NAME.yaml` (its parent and the
packages it adds) and `recipes/scripts/NAME.post.sh.j2` (a template that extends
the parent's install script with a block of the admin's own steps).

Example:
    >>> clone_base("ncsa-base", "envkit-base")  # doctest: +SKIP
    [PosixPath('bases/ncsa-base.yaml'), PosixPath('recipes/scripts/ncsa-base.post.sh.j2')]
"""

from __future__ import annotations

import re
from pathlib import Path

from envkit.errors import EnvkitError
from envkit.fsutil import atomic_write_text, undo_on_failure
from envkit.recipe.bases import base_path, load_base
from envkit.resources import writable

_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")  # used with fullmatch: `$` would let "name\n" through

CLONE_YAML = """\
# A clone of {parent}: list what it adds; everything else comes from {parent}.
name: {name}
description: {parent} plus this site's own packages
parent: {parent}
recipe: {name}
extra:
  apt: []
  pip: []
"""

CLONE_RECIPE = """\
{{% extends "scripts/{parent_recipe}.post.sh.j2" %}}
{{% block extra %}}
{{{{ super() }}}}
# {name}: the admin's own install steps go here (plain shell, run as root at build time).
{{% endblock %}}
"""


def clone_base(name: str, parent: str = "envkit-base") -> list[Path]:
    """Write a new base NAME that extends PARENT; refuses to overwrite; on any failure removes what it wrote."""
    if not _NAME.fullmatch(name):
        shown = name if len(name) <= 70 else name[:67] + "..."
        raise EnvkitError(f"base name {shown!r} must be lower-case letters, digits and dashes "
                          "(at most 63, starting with a letter or digit)")
    if not _NAME.fullmatch(parent) and not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}", parent):
        raise EnvkitError(f"--from {parent[:70]!r} is not a base name")
    parent_base = load_base(parent)
    yaml_path = writable("bases") / f"{name}.yaml"
    recipe_path = writable("recipes") / "scripts" / f"{name}.post.sh.j2"
    for path in (base_path(name), yaml_path, recipe_path):
        if path.exists():
            raise EnvkitError("already exists; choose another name or delete it first", file=str(path))
    with undo_on_failure(recipe_path, yaml_path):
        atomic_write_text(recipe_path, CLONE_RECIPE.format(parent_recipe=parent_base.recipe, name=name))
        atomic_write_text(yaml_path, CLONE_YAML.format(name=name, parent=parent))
        load_base(name)  # the clone must load
    return [yaml_path, recipe_path]

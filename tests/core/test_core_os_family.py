"""Bases are Debian-family only: `os_family: rhel` is refused with a one-line error (it was a stub that ran
`yum install` with Debian package names), and the install script has no yum branch left."""

from __future__ import annotations

from pathlib import Path

import pytest

from envkit.errors import EnvkitError
from envkit.recipe.bases import load_base

from .helpers import REPO


def test_a_rhel_base_is_refused_at_its_key(envkit_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVKIT_HOME", str(envkit_home))
    text = (envkit_home / "bases" / "envkit-base.yaml").read_text()
    assert text.count("os_family: debian") >= 1
    (envkit_home / "bases" / "rhel-base.yaml").write_text(
        text.replace("name: envkit-base", "name: rhel-base", 1).replace("os_family: debian", "os_family: rhel", 1))
    with pytest.raises(EnvkitError) as err:
        load_base("rhel-base")
    message = str(err.value)
    assert "rhel-base.yaml" in message and "os_family" in message and "'debian'" in message
    assert "\n" not in message


def test_install_script_template_has_no_yum_branch() -> None:
    template = (REPO / "recipes" / "scripts" / "base.post.sh.j2").read_text()
    assert "yum" not in template and "os_family" not in template

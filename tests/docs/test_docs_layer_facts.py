"""Docs read what a layer does from its facts (data beside the rendered script), never by parsing the script.

The facts and the rendered text come from the same values, so each fact must also appear in the script.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from envkit.docs.context import doc_context
from envkit.docs.horovod import horovod_flags
from envkit.docs.system import configure_flags
from envkit.profile import load_profile
from envkit.recipe.goldens import shipped_sites
from envkit.recipe.layers import base_layer, horovod_layer
from envkit.recipe.render import shell_quote

ENVKIT = Path(__file__).resolve().parents[2] / "envkit"


@pytest.mark.parametrize("site", shipped_sites())
def test_base_layer_facts_are_what_its_script_does(site: str) -> None:
    layer = base_layer(load_profile(site))
    facts = layer.facts
    install = shell_quote(list(facts.os_install))
    unsafe_io = "-o Dpkg::Options::=--force-unsafe-io"
    assert f'apt-get install "${{apt_cache[@]}}" {unsafe_io} -y --no-install-recommends {install}\n' in layer.post
    assert [pkg.split("=")[0] for pkg in facts.os_install] == list(facts.os_packages)
    if facts.mpi_configure:
        assert f"./configure {shell_quote(list(facts.mpi_configure))} && make" in layer.post
        assert facts.mpi_url and shell_quote(facts.mpi_url) in layer.post
    else:
        assert "./configure" not in layer.post and facts.mpi_url is None
    assert "HOROVOD_" not in layer.post and not facts.horovod_env   # Horovod is its own layer
    ctx = doc_context(load_profile(site))
    assert configure_flags(ctx) == (shell_quote(list(facts.mpi_configure)) if facts.mpi_configure else None)


@pytest.mark.parametrize("site", shipped_sites())
def test_horovod_layer_facts_are_what_its_script_does(site: str) -> None:
    layer = horovod_layer(load_profile(site))
    env = layer.facts.horovod_env
    assert " ".join(env[:3]) in layer.post and " ".join(env[3:]) in layer.post
    assert ("HOROVOD_GPU_OPERATIONS=NCCL" in env) == (load_profile(site).gpu.vendor != "none")
    assert horovod_flags(doc_context(load_profile(site))) == list(env)


def test_hal_builds_openmpi_from_source_with_ucx_and_nccl_horovod() -> None:
    assert "--with-ucx=/usr" in base_layer(load_profile("hal")).facts.mpi_configure
    assert horovod_layer(load_profile("hal")).facts.horovod_env[-1] == "HOROVOD_GPU_OPERATIONS=NCCL"


def test_no_module_runs_a_regex_over_a_layers_script() -> None:
    offenders = []
    for path in sorted(ENVKIT.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and isinstance(node.func.value, ast.Name) and node.func.value.id == "re"
                    and any(isinstance(a, ast.Attribute) and a.attr in ("post", "test") for a in node.args)):
                offenders.append(f"{path.relative_to(ENVKIT.parent)}:{node.lineno}")
    assert offenders == []

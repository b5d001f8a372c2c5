"""envkit's modules import one way: no cycle, and each registry refuses a second implementation of a name.

The graph holds every `import` in envkit/ that runs (at the top of a module or inside a function); imports
under `if TYPE_CHECKING:` never run and are left out. A registry imports its built-in implementations by
module name when first asked (envkit.registry), so a module that registers never imports the one that looks up.
"""

from __future__ import annotations

import ast
import graphlib
from pathlib import Path

import pytest

from envkit.engines.apptainer import Apptainer
from envkit.engines.base import ENGINES, get_engine
from envkit.errors import EnvkitError
from envkit.registry import LAUNCHERS

from .helpers import REPO


def _module_name(path: Path) -> str:
    name = ".".join(path.relative_to(REPO).with_suffix("").parts)
    return name.removesuffix(".__init__")


def _imported(node: ast.Import | ast.ImportFrom, package: str) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    if node.level:
        parts = package.split(".")[: len(package.split(".")) - node.level + 1]
        base = ".".join([*parts, base] if base else parts)
    return [base, *(f"{base}.{alias.name}" for alias in node.names)]


def import_graph() -> dict[str, set[str]]:
    """envkit module -> the envkit modules it imports when it runs."""
    paths = {_module_name(p): p for p in (REPO / "envkit").rglob("*.py")}
    graph: dict[str, set[str]] = {name: set() for name in paths}
    for name, path in paths.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        tree = ast.parse(path.read_text())
        typing_only = {id(n) for block in ast.walk(tree) if isinstance(block, ast.If)
                       and "TYPE_CHECKING" in ast.unparse(block.test) for stmt in block.body for n in ast.walk(stmt)}
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)) and id(node) not in typing_only:
                for target in _imported(node, package):
                    while target and target not in paths:
                        target = target.rpartition(".")[0]
                    if target and target not in (name, "envkit"):
                        graph[name].add(target)
    return graph


def test_no_import_cycle_in_envkit() -> None:
    graph = import_graph()
    assert {"envkit.engines.base", "envkit.engines.apptainer", "envkit.launchers.base"} <= set(graph)
    assert "envkit.engines.base" in graph["envkit.engines.apptainer"]
    try:
        order = list(graphlib.TopologicalSorter(graph).static_order())
    except graphlib.CycleError as exc:
        pytest.fail(f"import cycle: {' -> '.join(exc.args[1])}")
    assert order.index("envkit.registry") < order.index("envkit.engines.base")


def test_a_cycle_is_found_when_there_is_one() -> None:
    graph = import_graph()
    graph["envkit.registry"].add("envkit.engines.apptainer")
    with pytest.raises(graphlib.CycleError):
        list(graphlib.TopologicalSorter(graph).static_order())


def test_registries_load_their_builtins_and_refuse_a_second_name() -> None:
    assert ENGINES.names() == ["apptainer", "charliecloud", "cscs-ce", "enroot", "podman", "podman-hpc", "shifter",
                              "singularity"]
    assert LAUNCHERS.names() == ["ibrun", "jsrun", "mpiexec", "mpiexec-pals", "mpirun", "srun", "torchrun"]
    assert isinstance(get_engine("apptainer"), Apptainer)

    class Other(Apptainer):
        name = "apptainer"

    with pytest.raises(EnvkitError, match="engine 'apptainer' is registered twice"):
        ENGINES.register("apptainer")(Other)
    assert type(get_engine("apptainer")) is Apptainer
    with pytest.raises(EnvkitError, match=r"unknown engine 'docker' \(known: apptainer, charliecloud, cscs-ce, "):
        get_engine("docker")

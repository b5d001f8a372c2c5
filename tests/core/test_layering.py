"""envkit's packages are layered: a package may import its own layer and the layers below it, never one above,
counting every import that runs (function-local ones included; `if TYPE_CHECKING:` ones never run).

The few upward imports that exist today are listed in KNOWN_DEBTS with why; a new one fails, and so does a debt
that has been paid (delete its line), so the list only shrinks.
"""

from __future__ import annotations

from .test_core_imports import import_graph

LAYERS: list[set[str]] = [
    {"envkit", "errors", "paths", "resources", "fsutil", "registry"},  # core: no envkit package below
    {"profile", "records", "knownissues"},                             # site facts, state files read back, known errors
    {"schedulers", "launchers"},                                       # backends that read only profiles
    {"recipe", "lock", "project"},                                     # what an image contains (project: yours)
    {"store"},                                                         # where images live
    {"engines"},                                                       # container engines (build, run)
    {"pipeline", "export"},                                            # builds and exports
    {"launch", "batch"},                                               # running it
    {"docs", "data", "study", "train", "evaluate", "ticket"},          # what users and help desks read and run
    {"commands", "cli"},                                               # the command line
]

KNOWN_DEBTS = {
    ("recipe", "batch"): "recipe.goldens regenerates the job-script goldens too (envkit.batch.goldens)",
    ("lock", "engines"): "lock.resolve reads the machine's apt sources from engines.dockerfile.debootstrap",
    ("lock", "store"): "lock's cache helpers use the store's file lock and image manifest",
    ("engines", "export"): "Charliecloud runs an exported .sif/.sqsh through export.mount",
    ("profile", "recipe"): "profile.load checks the base has an image for the profile's arch/CUDA/driver "
                           "(recipe.bases.choose_platform), so a profile that validates renders (one validation)",
}


def _layer_of(package: str) -> int:
    for index, layer in enumerate(LAYERS):
        if package in layer:
            return index
    raise AssertionError(f"envkit.{package} is in no layer: add it to LAYERS in {__file__}")


def _package(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "envkit"


def upward_imports() -> dict[tuple[str, str], list[str]]:
    """(package, package it imports from a higher layer) -> the module-level edges that do it."""
    out: dict[tuple[str, str], list[str]] = {}
    for module, targets in import_graph().items():
        for target in targets:
            a, b = _package(module), _package(target)
            if _layer_of(b) > _layer_of(a):
                out.setdefault((a, b), []).append(f"{module} -> {target}")
    return out


def test_every_package_has_a_layer() -> None:
    for module in import_graph():
        _layer_of(_package(module))


def test_no_package_imports_a_higher_layer() -> None:
    new = {pair: edges for pair, edges in upward_imports().items() if pair not in KNOWN_DEBTS}
    assert not new, "imports against the layering: " + "; ".join(f"{a} -> {b} ({', '.join(e)})"
                                                                 for (a, b), e in new.items())


def test_known_debts_are_still_owed() -> None:
    paid = set(KNOWN_DEBTS) - set(upward_imports())
    assert not paid, f"these imports are gone: delete them from KNOWN_DEBTS: {sorted(paid)}"


def test_backends_do_not_import_each_other_or_what_uses_them() -> None:
    """A scheduler, launcher or engine module never imports another kind's module (it asks envkit.registry)."""
    backends = {"schedulers", "launchers", "engines"}
    for module, targets in import_graph().items():
        kind = _package(module)
        if kind not in backends:
            continue
        for target in targets:
            other = _package(target)
            assert other not in backends - {kind}, f"{module} imports {target}"

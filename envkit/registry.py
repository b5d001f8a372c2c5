"""One registry for every kind of pluggable backend: container engines, launchers, batch schedulers.

Modelled on ReFrame's ``reframe/core/backends.py``: each kind has a list of modules that hold its
built-in implementations, one module per backend (the one line to add with a new one is at the bottom of
this file); they are imported the first time a name is looked up (so a module that registers never has
to import the module that looks up: no import cycle), and registering a name twice is an error instead
of a silent overwrite. A centre adds its own backend without forking envkit: a package that declares an
entry point in the group ``envkit.engines``, ``envkit.launchers`` or ``envkit.schedulers`` (name = the
backend's name, value = its class) is loaded on the first lookup, after the built-in ones (README:
"Plugins").

Everything else (profile validation, docs, batch scripts, training) asks these registries, never a
list of names of its own.

Example:
    >>> kinds = Registry("example", modules=())
    >>> @kinds.register("hello")
    ... class Hello:
    ...     pass
    >>> kinds.get("hello") is Hello
    True
    >>> kinds.names()
    ['hello']
    >>> kinds.get("nope")
    Traceback (most recent call last):
    ...
    envkit.errors.EnvkitError: unknown example 'nope' (known: hello)
"""

from __future__ import annotations

import importlib
import importlib.metadata
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from envkit.errors import EnvkitError

if TYPE_CHECKING:  # types only: the registries never import their backends' modules at import time
    from envkit.engines.base import Engine
    from envkit.launchers.base import Launcher
    from envkit.schedulers.base import Scheduler

T = TypeVar("T")


class Registry(Generic[T]):
    """Named implementations of one kind, loaded lazily from `modules`.

    Args:
        kind: what the names are, for messages (``"engine"``, ``"launcher"``).
        modules: dotted module names whose import registers the built-in implementations.
        entry_points: the entry-point group whose members are loaded as plugins (None: no plugins).
    """

    def __init__(self, kind: str, modules: Iterable[str], entry_points: str | None = None) -> None:
        self.kind = kind
        self._modules = tuple(modules)
        self._group = entry_points
        self._loaded = False
        self._items: dict[str, T] = {}
        self._plugins: dict[str, str] = {}

    def register(self, name: str) -> Callable[[T], T]:
        """A decorator that registers its target under `name`; a second `name` is an error."""

        def add(item: T) -> T:
            if name in self._items and self._items[name] is not item:
                raise EnvkitError(f"{self.kind} {name!r} is registered twice")
            self._items[name] = item
            return item

        return add

    def unregister(self, name: str) -> None:
        """Forget `name` (a test's stand-in implementation); unknown names are ignored."""
        self._items.pop(name, None)

    def _load(self) -> None:
        if not self._loaded:
            self._loaded = True
            for module in self._modules:
                importlib.import_module(module)
            if self._group:
                for entry in importlib.metadata.entry_points(group=self._group):
                    self._load_plugin(entry)

    def _load_plugin(self, entry: importlib.metadata.EntryPoint) -> None:
        """Import one plugin's entry point and register what it names under the entry point's name."""
        where = f"{entry.value} ({self._group} entry point {entry.name!r}"
        dist = getattr(entry, "dist", None)
        where += f", package {dist.name})" if dist is not None else ")"
        try:
            item: Any = entry.load()
        except Exception as exc:  # a broken plugin is one line, never a traceback
            raise EnvkitError(f"{self.kind} plugin {where} cannot be loaded: {exc.__class__.__name__}: {exc}") \
                from None
        declared = getattr(item, "name", entry.name)
        if declared != entry.name:
            raise EnvkitError(f"{self.kind} plugin {where} names itself {declared!r}: the entry point's name "
                              "and the class's name must be the same")
        if entry.name in self._items and self._items[entry.name] is not item:
            raise EnvkitError(f"{self.kind} plugin {where} uses the name {entry.name!r}, which is taken")
        self._items[entry.name] = item
        self._plugins[entry.name] = where

    def plugin(self, name: str) -> str | None:
        """Where the plugin that provides `name` comes from (None for a built-in one)."""
        self._load()
        return self._plugins.get(name)

    def get(self, name: str) -> T:
        """The implementation registered under `name`, or a one-line error listing the known names."""
        self._load()
        try:
            return self._items[name]
        except KeyError:
            known = ", ".join(sorted(self._items)) or "none"
            raise EnvkitError(f"unknown {self.kind} {name!r} (known: {known})") from None

    def names(self) -> list[str]:
        """Every registered name, sorted."""
        self._load()
        return sorted(self._items)

    def __contains__(self, name: object) -> bool:
        self._load()
        return name in self._items


# -- the backends: one module each; adding one is one line here -------------------------------------------------
ENGINES: Registry[type[Engine]] = Registry("engine", entry_points="envkit.engines", modules=(
    "envkit.engines.apptainer",       # apptainer, singularity
    "envkit.engines.charliecloud",
    "envkit.engines.podman",
    "envkit.engines.podman_hpc",
    "envkit.engines.shifter",
    "envkit.engines.enroot",
    "envkit.engines.cscs_ce",
))
LAUNCHERS: Registry[type[Launcher]] = Registry("launcher", entry_points="envkit.launchers", modules=(
    "envkit.launchers.srun",
    "envkit.launchers.jsrun",
    "envkit.launchers.mpirun",
    "envkit.launchers.mpiexec",
    "envkit.launchers.mpiexec_pals",
    "envkit.launchers.torchrun",
    "envkit.launchers.ibrun",
))
SCHEDULERS: Registry[type[Scheduler]] = Registry("scheduler", entry_points="envkit.schedulers", modules=(
    "envkit.schedulers.slurm",
    "envkit.schedulers.lsf",
    "envkit.schedulers.pbs",
))

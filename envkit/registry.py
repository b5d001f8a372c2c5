"""One registry for every kind of pluggable backend (engines, launchers, schedulers, MPI families...).

Modelled on ReFrame's ``reframe/core/backends.py``: each kind has a list of modules that hold its
built-in implementations; they are imported the first time a name is looked up (so a module that
registers never has to import the module that looks up: no import cycle), and registering a name
twice is an error instead of a silent overwrite.

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
from collections.abc import Callable, Iterable
from typing import Generic, TypeVar

from envkit.errors import EnvkitError

T = TypeVar("T")


class Registry(Generic[T]):
    """Named implementations of one kind, loaded lazily from `modules`.

    Args:
        kind: what the names are, for messages (``"engine"``, ``"launcher"``).
        modules: dotted module names whose import registers the built-in implementations.
    """

    def __init__(self, kind: str, modules: Iterable[str]) -> None:
        self.kind = kind
        self._modules = tuple(modules)
        self._loaded = False
        self._items: dict[str, T] = {}

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

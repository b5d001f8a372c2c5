"""The engine interface: build, exec, inspect, availability. One small module per engine.

Example:
    >>> from envkit.engines.base import get_engine
    >>> get_engine("apptainer").exec_argv("img.sif", ["python", "-V"], binds=["/scratch"], gpu=True)
    ['apptainer', 'exec', '--nv', '--bind', '/scratch', 'img.sif', 'python', '-V']
"""

from __future__ import annotations

import shutil
from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import ClassVar

from envkit.errors import EnvkitError


class Engine(ABC):
    """A container engine envkit can drive."""

    name: ClassVar[str]
    binary: ClassVar[str]
    install_hint: ClassVar[str]
    image_suffix: ClassVar[str] = ""

    def available(self) -> bool:
        """Is the engine's binary on PATH?"""
        return shutil.which(self.binary) is not None

    def require(self) -> None:
        """Fail with a one-line error saying how to install the engine when it is missing."""
        if not self.available():
            raise EnvkitError(f"container engine {self.name!r} not found on PATH ({self.install_hint})")

    @abstractmethod
    def exec_argv(self, image: str, command: Sequence[str], *, binds: Sequence[str] = (),
                  env: Sequence[tuple[str, str]] = (), gpu: bool = False) -> list[str]:
        """The argv that runs `command` inside `image`."""


ENGINES: dict[str, type[Engine]] = {}


def register_engine(cls: type[Engine]) -> type[Engine]:
    """Class decorator: make an engine available under its `name`."""
    ENGINES[cls.name] = cls
    return cls


def get_engine(name: str) -> Engine:
    """The engine registered under `name`."""
    from envkit.engines import apptainer, charliecloud  # noqa: F401  (register the built-in engines)

    if name not in ENGINES:
        raise EnvkitError(f"unknown engine {name!r} (known: {', '.join(sorted(ENGINES))})")
    return ENGINES[name]()

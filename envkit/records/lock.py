"""containers/<site>/locks/envkit-lock.json and the pylock.*.toml files (PEP 751) it names.

Example:
    >>> lock = EnvkitLock.model_validate({"site": "local", "layers": {"base": {"pylock": "pylock.base.toml",
    ...     "inputs": "ab", "resolved": True}}})
    >>> lock.layers["base"].pylock
    'pylock.base.toml'
"""

from __future__ import annotations

import os
from typing import Annotated, Any

from pydantic import Field, StringConstraints

from envkit.records.base import Part, Record, Text
from envkit.records.reader import read_model, read_toml_model

FILENAME = "envkit-lock.json"
LIMIT = 16 * 1024 * 1024
PylockName = Annotated[str, StringConstraints(pattern=r"^pylock\.[A-Za-z0-9_-][A-Za-z0-9_.-]{0,100}\.toml$")]
PackageName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$")]
Version = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9.+!_~:-]{1,100}$")]
Sha256 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]


class LayerInfo(Part):
    """One layer of envkit-lock.json: the hash of its inputs, its pylock file, Debian packages..."""

    pylock: PylockName | None = None   # a file name beside envkit-lock.json, never a path
    inputs: Text = ""
    resolved: bool = False
    why: Text = ""
    apt: dict[PackageName, Version] = Field(default_factory=dict)
    local: list[PackageName] = Field(default_factory=list)
    source: dict[str, Any] = Field(default_factory=dict)


class EnvkitLock(Record):
    """envkit-lock.json."""

    site: Text = ""
    layers: dict[Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,100}$")], LayerInfo] = (
        Field(default_factory=dict))


class FileHashes(Part):
    sha256: Sha256 | None = None


class LockedFile(Part):
    hashes: FileHashes = FileHashes()


class LockedPackage(Part):
    """One [[packages]] entry of a pylock.toml."""

    name: PackageName
    version: Version
    wheels: list[LockedFile] = Field(default_factory=list)
    sdist: LockedFile | None = None


class Pylock(Part):
    """A PEP 751 pylock.toml (the parts envkit reads)."""

    packages: list[LockedPackage] = Field(default_factory=list)


def read(path: str | os.PathLike[str]) -> EnvkitLock:
    """An envkit-lock.json as `EnvkitLock`, or one EnvkitError line."""
    return read_model(path, EnvkitLock, LIMIT)


def read_pylock(path: str | os.PathLike[str]) -> Pylock:
    """A pylock.toml as `Pylock`, or one EnvkitError line."""
    return read_toml_model(path, Pylock, LIMIT)

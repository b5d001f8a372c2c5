"""An image's manifest (what is inside it: pip and dpkg packages, tag, cache key), and an SPDX SBOM.

Example:
    >>> m = ImageManifest.model_validate({"tag": "envkit-local", "pip": {"numpy": "2.4.6"}, "dpkg": {}})
    >>> m.pip["numpy"]
    '2.4.6'
"""

from __future__ import annotations

import os
from typing import Annotated, Any

from pydantic import Field, StringConstraints

from envkit.records.base import Part, Record, Text
from envkit.records.reader import read_model

LIMIT = 64 * 1024 * 1024
Name = Annotated[str, StringConstraints(max_length=256)]
Version = Annotated[str, StringConstraints(max_length=256)]


class ImageManifest(Record):
    """An image manifest (envkit.store.image_manifest writes it at build time), or a run/record naming one."""

    tag: Text | None = None
    cache_key: Text = ""
    pip: dict[Name, Version] | None = None
    dpkg: dict[Name, Version] | None = None
    manifest_hash: Text | None = None
    image_manifest_hash: Text | None = None


class SpdxPackage(Part):
    name: Text
    versionInfo: Text | None = None  # noqa: N815 (SPDX spelling)


class Sbom(Record):
    """An SPDX 2.3 JSON document (the parts envkit compares)."""

    spdxVersion: Text  # noqa: N815
    packages: list[SpdxPackage] = Field(default_factory=list)
    extra: dict[str, Any] | None = None


def read(path: str | os.PathLike[str]) -> ImageManifest:
    """A manifest JSON as `ImageManifest`, or one EnvkitError line."""
    return read_model(path, ImageManifest, LIMIT)


def read_sbom(path: str | os.PathLike[str]) -> Sbom:
    """An SPDX JSON SBOM as `Sbom`, or one EnvkitError line."""
    return read_model(path, Sbom, LIMIT)

"""What every state-file model shares: extra keys kept (a newer envkit may add fields), no NaN or infinity,
strings bounded, and a `schema_version` that refuses files newer than this envkit reads.

Example:
    >>> class R(Record):
    ...     SCHEMA_VERSION = 1
    ...     n: Count = 0
    >>> R.model_validate({"n": 3}).n
    3
    >>> try:
    ...     R.model_validate({"schema_version": 2})
    ... except ValueError as exc:
    ...     print(exc.errors()[0]["msg"])
    Value error, schema_version 2 is newer than this envkit reads (1): upgrade envkit
"""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

Text = Annotated[str, StringConstraints(max_length=4096)]
Count = Annotated[int, Field(ge=0, le=2**53)]
Positive = Annotated[int, Field(ge=1, le=2**31)]
Number = Annotated[float, Field(ge=-1e300, le=1e300)]


class Part(BaseModel):
    """A nested object of a state file: typed where envkit reads it, other keys kept."""

    model_config = ConfigDict(extra="allow", allow_inf_nan=False, frozen=True)


class Record(Part):
    """A whole state file, versioned."""

    SCHEMA_VERSION: ClassVar[int] = 1
    schema_version: Annotated[int, Field(ge=1, le=10**6)] = 1

    @field_validator("schema_version")
    @classmethod
    def _known_version(cls, v: int) -> int:
        if v > cls.SCHEMA_VERSION:
            raise ValueError(f"schema_version {v} is newer than this envkit reads ({cls.SCHEMA_VERSION}): "
                             "upgrade envkit")
        return v

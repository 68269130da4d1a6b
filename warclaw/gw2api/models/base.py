"""Shared pieces of the response models and the one function that validates a body.

Every model ignores nothing and rejects nothing it does not know: the API adds fields and enum
values without a schema bump (wiki API:Best_practices), so unknown keys are kept in
``model_extra`` and enum-like fields (owner, type, population, ...) are plain ``str``.
Fields the project computes with (ids, scores, kills) are strict ints: a ``"12"`` there means the
API or a proxy broke, and we would rather say so than guess.
"""

from __future__ import annotations

from functools import cache
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, StrictInt, TypeAdapter, ValidationError

from warclaw.gw2api.errors import BadResponseError

T = TypeVar("T")


class ApiModel(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=False)


class TeamInts(ApiModel):
    """A value per team colour (scores, kills, world ids...)."""

    red: StrictInt
    blue: StrictInt
    green: StrictInt

    def by_color(self, color: str) -> int:
        return int(getattr(self, color.lower()))


class TeamIdLists(ApiModel):
    red: list[StrictInt]
    blue: list[StrictInt]
    green: list[StrictInt]

    def by_color(self, color: str) -> list[int]:
        return list(getattr(self, color.lower()))


@cache
def _adapter(tp: Any) -> TypeAdapter[Any]:
    return TypeAdapter(tp)


def describe_error(err: ValidationError) -> str:
    """First problem of a validation error as ``field a.0.b: message`` (one line)."""
    first = err.errors()[0]
    loc = ".".join(str(p) for p in first["loc"]) or "(body)"
    extra = f" (and {err.error_count() - 1} more)" if err.error_count() > 1 else ""
    return f"field {loc}: {first['msg']}{extra}"


def parse(tp: type[T] | Any, data: Any, source: str) -> T:
    """Validate ``data`` as ``tp`` (a model or e.g. ``list[Model]``); errors name ``source`` and the field."""
    try:
        return _adapter(tp).validate_python(data)  # type: ignore[no-any-return]
    except ValidationError as err:
        raise BadResponseError(describe_error(err), endpoint=source) from None

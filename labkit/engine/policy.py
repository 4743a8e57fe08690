"""`Policy`: the switchable inferred choices of a simulator, one API for both domains.

Where no Microsoft page says what happens, a simulator takes the reference sheet's choice as the default,
marks the events it causes ``inferred``, and lets the user pick an alternative. Each domain subclasses
`Policy` as a frozen dataclass whose fields are its choices and whose ``CHOICES`` table lists the allowed
values of every text choice, default first; numeric choices are positive integers. A run's trace header
lists every choice in ``params["policies"]`` (`Policy.as_params`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any, ClassVar, Self

from labkit.exceptions import UnknownNameError


@dataclass(frozen=True)
class Policy:
    """Base of a domain's choices: construction checks every value; unknown names list the valid ones."""

    CHOICES: ClassVar[Mapping[str, tuple[str, ...]]] = {}
    """Allowed values of every text choice, default first; a field not listed is a positive integer."""

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            allowed = self.CHOICES.get(f.name)
            if allowed is not None and value not in allowed:
                raise UnknownNameError(f"{f.name} policy", str(value), allowed)
            if allowed is None and (isinstance(value, bool) or not isinstance(value, int) or value <= 0):
                raise UnknownNameError(f"{f.name} policy", repr(value), ["a positive integer"])

    def as_params(self) -> dict[str, Any]:
        """For the trace header: every choice by name, ``{"crash": "rundown", ...}``."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def with_choices(self, choices: Mapping[str, Any] | None) -> Self:
        """A copy with some choices changed (None values keep the current one)."""
        changes = {k: v for k, v in (choices or {}).items() if v is not None}
        names = [f.name for f in fields(self)]
        unknown = [name for name in changes if name not in names]
        if unknown:
            raise UnknownNameError("policy", unknown[0], names)
        return replace(self, **changes)

    @classmethod
    def of(cls, value: Self | Mapping[str, Any] | None, base: Self | None = None) -> Self:
        """``value`` itself when it is a policy, else ``base`` (or the defaults) with its choices."""
        if isinstance(value, Policy):
            if not isinstance(value, cls):
                raise TypeError(f"a {cls.__qualname__} is needed here, not a {type(value).__qualname__}")
            return value
        return (base if base is not None else cls()).with_choices(value)

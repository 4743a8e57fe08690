"""A named collection (scenarios, providers, DLLs, policies) whose unknown names list the valid ones."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Generic, TypeVar

from labkit.exceptions import UnknownNameError

T = TypeVar("T")


class Registry(Generic[T]):
    """Items by name, in registration order; `get` of an unknown name raises `UnknownNameError`."""

    def __init__(self, what: str) -> None:
        self.what = what
        self._items: dict[str, T] = {}

    def add(self, name: str, item: T) -> T:
        """Register ``item`` under ``name`` (names are unique) and return it."""
        if name in self._items:
            raise ValueError(f"{self.what} {name!r} is registered twice")
        self._items[name] = item
        return item

    def get(self, name: str | T) -> T:
        """The item called ``name``; an item passed in is returned as it is."""
        if not isinstance(name, str):
            return name
        try:
            return self._items[name]
        except KeyError:
            raise UnknownNameError(self.what, name, list(self._items)) from None

    def names(self) -> list[str]:
        return list(self._items)

    def items(self) -> list[tuple[str, T]]:
        return list(self._items.items())

    def __contains__(self, name: object) -> bool:
        return name in self._items

    def __iter__(self) -> Iterator[T]:
        return iter(self._items.values())

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return f"<Registry of {len(self)} {self.what}s: {', '.join(self._items)}>"

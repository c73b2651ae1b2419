"""Explicit registries through which an app offers something to apps it may not import.

The dependency direction (docs/ARCHITECTURE.md, checked by import-linter) keeps ``needs``,
``resources`` and ``assistance`` independent of one another. Where one of them reads from
the others, the others register a callable here in their ``AppConfig.ready()`` and the
reader asks the registry: no module paths in strings, no ``importlib``, and a source that
is missing or registered twice is a wiring error seen at start-up.

Opportunity sources (GV-4) feed the assistance app's discovery::

    opportunity_sources.register("needs", selectors.opportunities_for_discovery)

A source has the contract of :class:`OpportunitySource`.
"""

from collections.abc import Iterator
from typing import Any, Generic, Protocol, TypeVar

from django.core.exceptions import ImproperlyConfigured

T = TypeVar("T")


class DuplicateRegistration(ImproperlyConfigured):
    """A name was registered twice in one registry."""


class Registry(Generic[T]):
    """Named entries, read back in registration order; a name may be registered once."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._entries: dict[str, T] = {}

    def register(self, name: str, entry: T) -> None:
        """Add ``entry`` under ``name``; raises :class:`DuplicateRegistration` if the name
        is taken (two apps, or one app's ``ready()`` run twice, claiming the same name)."""
        if name in self._entries:
            raise DuplicateRegistration(f"{self.kind} {name!r} is already registered")
        self._entries[name] = entry

    def unregister(self, name: str) -> None:
        """Remove ``name`` (tests that register a source of their own take it out again)."""
        del self._entries[name]

    def items(self) -> list[tuple[str, T]]:
        """``(name, entry)`` pairs in registration order."""
        return list(self._entries.items())

    def names(self) -> list[str]:
        return list(self._entries)

    def __iter__(self) -> Iterator[tuple[str, T]]:
        return iter(self.items())

    def __len__(self) -> int:
        return len(self._entries)


class OpportunitySource(Protocol):
    """Opportunities under a GB/T 2260 prefix, at most ``limit``, best first. Each row::

        {"ref": "needs.need:42",  # app label, model, primary key
         "title": str, "region_code": "430102",
         "skills": ["cooking", …],  # optional
         "service_need": "job" | "training" | "startup",
         "reason_code": "opportunity.resource"}  # optional, "opportunity.need" if absent

    A ``reason_code`` must be one of ``assistance.reasons.PUSH_REASONS`` that starts with
    ``opportunity.``; discovery refuses any other.
    """

    def __call__(self, *, region_prefix: str, limit: int) -> list[dict[str, Any]]: ...


opportunity_sources: Registry[OpportunitySource] = Registry("opportunity source")

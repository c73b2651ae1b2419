"""Counting failed attempts in the shared cache (settings ``CACHES``), to slow down probing.

``AttemptLimiter`` counts failures per identity (an account, an address) over a period;
``check`` refuses once any identity has used up its allowance. The identity check (ID-2)
uses it so that nobody can try document numbers until one answers "already bound to
another account" (issue 12, item 10)."""

from collections.abc import Mapping
from dataclasses import dataclass

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class AttemptLimiter:
    scope: str
    period_seconds: int = 3600

    def _key(self, kind: str, ident) -> str:
        return f"mf_attempts:{self.scope}:{kind}:{ident}"

    def check(self, limits: Mapping[str, tuple[object, int]], *, code: str) -> None:
        """``limits`` maps a kind (``user``, ``ip``) to (identity, allowed failures); an
        identity of None is not counted. Raises ValidationError(code) when one is used up."""
        for kind, (ident, allowed) in limits.items():
            if ident is not None and cache.get(self._key(kind, ident), 0) >= allowed:
                raise ValidationError(
                    _("Too many failed attempts. Try again in an hour, or ask a member of staff for help."),
                    code=code,
                )

    def failed(self, idents: Mapping[str, object]) -> None:
        """Count one failure for each identity that is not None."""
        for kind, ident in idents.items():
            if ident is None:
                continue
            key = self._key(kind, ident)
            # add() starts the period at the first failure; incr() keeps its expiry.
            if not cache.add(key, 1, self.period_seconds):
                try:
                    cache.incr(key)
                except ValueError:  # expired between add and incr
                    cache.add(key, 1, self.period_seconds)

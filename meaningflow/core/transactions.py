"""The one transaction helper of every service (docs/ARCHITECTURE.md, "Transactions and locks").

Global lock order, in every app: **user → resource / need / organisation → unit /
application / membership → booking → ledger** (inside the ledger: domain → conversion
budget → hold → person accounts in ascending id → chain head). A transaction may skip a
level but never takes a row of an earlier level after one of a later level; rows of one
level are locked in ascending id. Rows are locked ``FOR NO KEY UPDATE`` and only the rows
meant (``select_for_update(no_key=True, of=("self",))``): PostgreSQL checks every foreign key
— deferred to the commit in Django's schema — with ``FOR KEY SHARE`` on the parent row,
which a ``FOR NO KEY UPDATE`` lock does not block, so the foreign-key checks of concurrent
writers never wait on our row locks, whenever they run.

The surface:

* ``@entry_point`` on every public service: called outside any transaction it runs the
  function and, when the database reports a deadlock or a serialisation failure
  (PostgreSQL) or stays locked (SQLite), rolls back and runs the *whole function* again,
  at most ``ATTEMPTS`` times with a short jittered pause, then raises ``Busy``. Called
  inside a caller's transaction it runs once: a failure there aborts the caller's
  transaction, so only the caller's own entry point can retry. Safe because everything an
  entry point writes is in one transaction that rolled back.
* ``atomic()`` opens the entry point's transaction: durable when it is the outermost (the
  service commits when it returns), a savepoint when another service calls it inside its
  own transaction (a booking that places a ledger hold commits with the booking).
  ``atomic(durable=True)`` refuses to be nested (Django's ``durable``).
* ``@transactional``: an ``entry_point`` whose whole body is its ``atomic()`` block (what
  ``@transaction.atomic`` on a service becomes).
* ``require_transaction()`` at the top of inner helpers that must run inside one.
* ``retrying(fn)``: the retry loop itself, for paths that manage their transaction in
  another way (the ledger's lean posting path).
* ``Busy`` (code ``core.busy``): what a user sees when the retries are spent — HTTP 503 with
  ``Retry-After`` from the API (config/api.py) and a page asking to try again from the
  site (``core.middleware.BusyMiddleware``).
"""

import functools
import logging
import random
import threading
import time
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from django.db import OperationalError, transaction
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

ATTEMPTS = 4  # the first try and three retries
BACKOFF_BASE = 0.02  # seconds; the n-th retry waits a random time up to BASE · 2**n …
BACKOFF_CAP = 0.3  # … and never more than this
RETRY_AFTER = 2  # seconds, the Retry-After of a 503 once the retries are spent

# Deadlock detected and serialisation failure (PostgreSQL's SQLSTATEs).
RETRYABLE_SQLSTATES = frozenset({"40P01", "40001"})
_SQLITE_LOCKED = ("database is locked", "database table is locked")

P = ParamSpec("P")
R = TypeVar("R")

_scope = threading.local()


class Busy(Exception):
    """The database stayed contended through every retry; nothing was changed."""

    code = "core.busy"
    retry_after = RETRY_AFTER
    message = _("The service is busy right now and nothing was changed. Please try again in a moment.")

    def __str__(self) -> str:
        return str(self.message)


class TransactionRequired(RuntimeError):
    """An inner helper ran outside a transaction (a programming error, never a user's)."""


def is_retryable(exc: BaseException) -> bool:
    """A deadlock or serialisation failure (PostgreSQL) or a locked database (SQLite): the
    transaction was rolled back and running it again may succeed."""
    if not isinstance(exc, OperationalError):
        return False
    if getattr(exc.__cause__, "sqlstate", None) in RETRYABLE_SQLSTATES:
        return True
    message = str(exc).lower()
    return any(text in message for text in _SQLITE_LOCKED)


def _in_transaction() -> bool:
    return transaction.get_connection().in_atomic_block


def retrying(fn: Callable[P, R], /, *args: P.args, **kwargs: P.kwargs) -> R:
    """Run ``fn(*args, **kwargs)``; outside any transaction (and any other retry loop),
    run it again after a retryable failure, at most ``ATTEMPTS`` times, then raise Busy."""
    if getattr(_scope, "active", False) or _in_transaction():
        return fn(*args, **kwargs)
    _scope.active = True
    try:
        for attempt in range(1, ATTEMPTS + 1):
            try:
                return fn(*args, **kwargs)
            except OperationalError as exc:
                if not is_retryable(exc):
                    raise
                name = getattr(fn, "__qualname__", repr(fn))
                if attempt == ATTEMPTS:
                    logger.warning("%s: still contended after %d attempts (%s)", name, attempt, exc)
                    raise Busy from exc
                logger.info("%s: attempt %d rolled back (%s); retrying", name, attempt, exc)
                time.sleep(random.uniform(0, min(BACKOFF_CAP, BACKOFF_BASE * 2**attempt)))  # noqa: S311 (jitter)
        raise AssertionError("unreachable")  # pragma: no cover
    finally:
        _scope.active = False


def entry_point(func: Callable[P, R]) -> Callable[P, R]:
    """Mark a public service: its whole body is re-run on a retryable failure (see the
    module's docstring). The function opens its transaction with ``atomic()``."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        return retrying(func, *args, **kwargs)

    return wrapper


def transactional(func: Callable[P, R]) -> Callable[P, R]:
    """An ``entry_point`` whose whole body is its transaction (``atomic()`` chosen at each
    call): the replacement of ``@transaction.atomic`` on a service."""

    @functools.wraps(func)
    def in_transaction(*args: P.args, **kwargs: P.kwargs) -> R:
        with atomic():
            return func(*args, **kwargs)

    return entry_point(in_transaction)


def atomic(*, durable: bool | None = None):
    """The entry point's transaction: durable when outermost, a savepoint inside a caller's
    transaction; ``durable=True`` refuses to be nested."""
    if durable is None:
        durable = not _in_transaction()
    return transaction.atomic(durable=durable)


def require_transaction() -> None:
    """Raise TransactionRequired unless a transaction is open: for helpers that lock rows or
    write several tables and rely on their caller's ``atomic()``."""
    if not _in_transaction():
        raise TransactionRequired("this helper must run inside core.transactions.atomic()")

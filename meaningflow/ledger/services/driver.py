"""The posting path's direct access to the database driver (docs/LEDGER.md, "The posting path").

The only module of the project that reaches below Django's public database API. The ledger's
posting statements (``core.py``) run through the driver's own cursor because the ORM's and
``atomic()``'s per-statement Python cost was most of a posting's cost
(bench/bench_ledger_posting.py); everything that needs Django internals for that is here,
behind four functions:

* ``connection()`` — the default connection wrapper itself (not the thread-local proxy,
  whose every attribute access is a look-up).
* ``observed(db)`` — whether something watches queries: the DEBUG query log
  (``CaptureQueriesContext``, ``assertNumQueries``) or an ``execute_wrapper``. Then every
  statement goes through Django's cursor, so that they see it (**the observed branch**);
  otherwise through the driver's (**the plain branch**). Both are tested
  (ledger/tests/test_driver.py) on SQLite and PostgreSQL.
* ``cursor(db)`` — a context manager yielding ``(cursor, qmark)`` for statements inside the
  caller's transaction, errors translated to Django's (``qmark``: the statements must use
  ``?`` placeholders, sqlite3's own cursor).
* ``own_transaction(db, body)`` — run ``body(cursor)`` in a transaction begun and committed
  through the driver (``BEGIN IMMEDIATE`` on SQLite), for a posting made outside any
  transaction; rolled back if ``body`` raises or returns None. Returns None, having run
  nothing, when it does not apply: inside a transaction, with queries observed, or before
  the connection is open (the caller then uses ``core.transactions.atomic()``).

Django internals read here: ``queries_logged``, ``execute_wrappers``, ``in_atomic_block``,
``make_cursor``/``make_debug_cursor``, ``validate_thread_sharing``,
``validate_no_broken_transaction``, ``wrap_database_errors`` and the driver connection
(``.connection``). A Django upgrade that changes them breaks test_driver.py first.
"""

import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import psycopg
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper

T = TypeVar("T")

# A cursor of this module: the driver's own (psycopg's or sqlite3's) or Django's wrapper
# when queries are observed. Their interfaces differ only where this module does not go.
Cursor = Any


def connection() -> BaseDatabaseWrapper:
    return connections[DEFAULT_DB_ALIAS]


def observed(db: BaseDatabaseWrapper) -> bool:
    return bool(db.queries_logged or db.execute_wrappers)


def uses_qmark(db: BaseDatabaseWrapper) -> bool:
    """Whether ``cursor(db)`` will want ``?`` placeholders (sqlite3's own cursor)."""
    return db.vendor == "sqlite" and not observed(db)


def _raw(db: BaseDatabaseWrapper) -> Cursor:
    """The driver's own cursor: psycopg's plain one binds parameters on the server (so
    psycopg prepares these few fixed statements when the connection's
    ``prepare_threshold`` allows it); sqlite3's takes ``?`` placeholders."""
    if db.vendor == "postgresql":
        return psycopg.Cursor(db.connection)
    return db.connection.cursor()


def _open(db: BaseDatabaseWrapper) -> tuple[Cursor, bool]:
    watched = observed(db)
    db.ensure_connection()
    if db.vendor == "postgresql":
        cursor = _raw(db)
        if watched:
            return (db.make_debug_cursor(cursor) if db.queries_logged else db.make_cursor(cursor)), False
    elif watched or db.vendor != "sqlite":
        return db.cursor(), False
    else:
        cursor = _raw(db)
    db.validate_thread_sharing()
    db.validate_no_broken_transaction()
    return cursor, db.vendor == "sqlite"


@contextmanager
def cursor(db: BaseDatabaseWrapper) -> Iterator[tuple[Cursor, bool]]:
    handle, qmark = _open(db)
    try:
        with db.wrap_database_errors:
            yield handle, qmark
    finally:
        handle.close()


# The driver cursor of each connection for ``own_transaction``, reused: creating one per
# posting measured a tenth of the posting's cost on SQLite.
_own_cursors: weakref.WeakKeyDictionary[BaseDatabaseWrapper, Cursor] = weakref.WeakKeyDictionary()
_BEGIN = {True: "BEGIN IMMEDIATE", False: "BEGIN"}  # SQLite: take the write lock at once


def own_transaction(db: BaseDatabaseWrapper, body: Callable[[Cursor], T | None]) -> T | None:
    raw = db.connection
    if raw is None or db.in_atomic_block or not db.autocommit or db.queries_logged or db.execute_wrappers:
        return None
    db.validate_thread_sharing()
    handle = _own_cursors.get(db)
    if handle is None or handle.connection is not raw:
        handle = _own_cursors[db] = _raw(db)
    with db.wrap_database_errors:
        handle.execute(_BEGIN[db.vendor == "sqlite"])
        try:
            result = body(handle)
        except BaseException:
            try:
                handle.execute("ROLLBACK")
            except Exception:
                db.close()  # the connection is broken: the next use reconnects
            raise
        handle.execute("COMMIT" if result is not None else "ROLLBACK")
    return result

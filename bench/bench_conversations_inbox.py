"""Inbox reads at scale: ``threads_for`` (first page, unread counts) and ``unread_count``.

Data: 2 000 users, 20 000 two-person threads, 200 000 messages, half of them read.
Figure: mean time per call of each selector (through the ORM, rows materialised) for 200
users. Floor: the same grouped SQL by hand through the same connection's raw cursor.
"""

import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from meaningflow.ledger.benchmarking import make_users  # noqa: E402
from meaningflow.testing.bench import django_setup, run_child  # noqa: E402

USERS, THREADS, MESSAGES_PER_THREAD, SAMPLE = 2_000, 20_000, 10, 200


def _seed(user_ids: list[int]) -> None:
    from django.db import connection

    rng = random.Random(7)
    pg = connection.vendor == "postgresql"
    ts = (
        (lambda m: f"2026-01-01 00:{m // 60 % 60:02d}:{m % 60:02d}+00:00")
        if pg
        else (lambda m: f"2026-01-01 00:{m // 60 % 60:02d}:{m % 60:02d}")
    )
    with connection.cursor() as cur:
        for start in range(0, THREADS, 2_000):
            rows = range(start, min(THREADS, start + 2_000))
            cur.execute(
                "INSERT INTO conversations_thread (subject, title, created_at, last_message_at) "
                "VALUES " + ", ".join(["(%s, %s, %s, %s)"] * len(rows)),
                [v for i in rows for v in (f"bench.thing:{i}", f"T{i}", ts(0), ts(MESSAGES_PER_THREAD))],
            )
        cur.execute("SELECT id FROM conversations_thread ORDER BY id")
        thread_ids = [r[0] for r in cur.fetchall()]
        parts, msgs = [], []
        for tid in thread_ids:
            a, b = rng.sample(user_ids, 2)
            read = ts(MESSAGES_PER_THREAD // 2)
            parts += [(tid, a, ts(0), read), (tid, b, ts(0), None)]
            for m in range(MESSAGES_PER_THREAD):
                msgs.append((tid, a if m % 2 else b, "hello", ts(m + 1)))
        for chunk in range(0, len(parts), 5_000):
            batch = parts[chunk : chunk + 5_000]
            cur.execute(
                "INSERT INTO conversations_participant "
                "(thread_id, user_id, joined_at, last_read_at) VALUES " + ", ".join(["(%s, %s, %s, %s)"] * len(batch)),
                [v for row in batch for v in row],
            )
        for chunk in range(0, len(msgs), 5_000):
            batch = msgs[chunk : chunk + 5_000]
            cur.execute(
                "INSERT INTO conversations_message (thread_id, sender_id, body, created_at) VALUES "
                + ", ".join(["(%s, %s, %s, %s)"] * len(batch)),
                [v for row in batch for v in row],
            )
    if pg:
        with connection.cursor() as cur:
            cur.execute("ANALYZE")


FLOOR_LIST = """
SELECT t.id, t.title, COUNT(m.id) FILTER (WHERE m.sender_id <> p.user_id
       AND (p.last_read_at IS NULL OR m.created_at > p.last_read_at))
FROM conversations_thread t JOIN conversations_participant p ON p.thread_id = t.id
LEFT JOIN conversations_message m ON m.thread_id = t.id
WHERE p.user_id = %s GROUP BY t.id, t.title
ORDER BY COALESCE(t.last_message_at, t.created_at) DESC, t.id DESC LIMIT 50
"""
FLOOR_COUNT = """
SELECT COUNT(*) FROM conversations_message m
JOIN conversations_participant p ON p.thread_id = m.thread_id
WHERE p.user_id = %s AND m.sender_id <> p.user_id
  AND (p.last_read_at IS NULL OR m.created_at > p.last_read_at)
"""


def _time(fn, users) -> float:
    started = time.perf_counter()
    for u in users:
        fn(u)
    return (time.perf_counter() - started) / len(users) * 1000


def child(mode: str) -> None:
    django_setup()
    from django.db import connection

    from meaningflow.accounts.models import User
    from meaningflow.conversations import selectors

    user_ids = make_users(USERS, prefix="inbox")
    _seed(user_ids)
    users = list(User.objects.filter(pk__in=random.Random(1).sample(user_ids, SAMPLE)))
    floor_list = FLOOR_LIST  # FILTER (WHERE …) works on SQLite ≥ 3.30 and PostgreSQL

    def raw(sql):
        def run(u):
            with connection.cursor() as cur:
                cur.execute(sql, [u.pk])
                return cur.fetchall()

        return run

    for u in users[:5]:  # warm caches and check the figure and the floor agree
        orm = [(t.pk, t.unread) for t in selectors.threads_for(user=u)[:50]]
        assert orm == [(r[0], r[2]) for r in raw(floor_list)(u)], "floor disagrees"
        assert selectors.unread_count(user=u) == raw(FLOOR_COUNT)(u)[0][0]
    list_ms = _time(lambda u: list(selectors.threads_for(user=u)[:50]), users)
    list_floor = _time(raw(floor_list), users)
    count_ms = _time(lambda u: selectors.unread_count(user=u), users)
    count_floor = _time(raw(FLOOR_COUNT), users)
    print(f"[{mode}] {THREADS} threads, {THREADS * MESSAGES_PER_THREAD} messages, {SAMPLE} users")
    print(f"[{mode}] threads_for page of 50: {list_ms:.2f} ms/call (raw SQL floor {list_floor:.2f} ms)")
    print(f"[{mode}] unread_count:           {count_ms:.2f} ms/call (raw SQL floor {count_floor:.2f} ms)")


def main() -> None:
    for mode in ("sqlite", "pg"):
        run_child(__file__, mode)


if __name__ == "__main__":
    if len(sys.argv) > 1:
        child(sys.argv[1])
    else:
        main()

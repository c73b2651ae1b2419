"""Booking throughput under contention on PostgreSQL: many clients, few units.

32 threads book random 2-night periods on 4 single-unit rooms (instant booking, CV held
in escrow) for a fixed time. Figure: confirmed bookings/s through ``booking_create``
(guest and unit locks, overlap check, demand index, pricing, hold in the ledger, audit,
notification, conversation thread). Also reported: attempts refused as taken, and the
number of overlapping blocking bookings found afterwards by SQL (must be 0).
Floor: the same contention with hand-written SQL (lock the unit row, NOT EXISTS overlap,
insert) through the raw driver.
"""

import os
import random
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

THREADS = int(os.environ.get("BENCH_THREADS", 32))
ROOMS = 4
SECONDS = float(os.environ.get("BENCH_SECONDS", 10))
OVERLAPS = """
SELECT count(*) FROM resources_booking a JOIN resources_booking b
  ON a.unit_id = b.unit_id AND a.id < b.id
 AND a.status IN ('requested','accepted','in_use') AND b.status IN ('requested','accepted','in_use')
 AND tstzrange(a.starts_at, a.blocked_until) && tstzrange(b.starts_at, b.blocked_until)"""


def child():
    from _resources_common import django_setup

    django_setup()
    from datetime import date, timedelta

    from django.core.exceptions import PermissionDenied, ValidationError
    from django.db import connection

    from meaningflow.accounts.services import user_register
    from meaningflow.ledger import services as ledger
    from meaningflow.ledger.benchmarking import identities_bind
    from meaningflow.places.models import Division
    from meaningflow.places.services import places_load
    from meaningflow.resources import services
    from meaningflow.resources.models import Booking, RuleSet

    places_load()
    RuleSet.objects.create(effective_from=date(2021, 1, 1), values={"quota": {"3": 100000}}, note="bench")
    owner = user_register(
        username="bench_host",
        email="h@example.org",
        password="bench-pass-123456",  # noqa: S106
        display_name="Host",
    )
    rooms = [
        services.resource_create(
            owner=owner,
            type="room",
            title_en=f"Room {i}",
            booking_mode="instant",
            division=Division.objects.get(code="430100"),
            max_slots=30,
        )
        for i in range(ROOMS)
    ]
    guests = []
    for i in range(THREADS):
        g = user_register(
            username=f"bench_guest{i}",
            email=f"g{i}@example.org",
            password="bench-pass-123456",  # noqa: S106
            display_name=f"G{i}",
        )
        identities_bind([g.pk])  # ID-2: only verified persons are credited and may book
        ledger.contribution_record(
            beneficiary=g,
            kind="resource",
            inputs={"resource_type": "room", "duration": 500, "demand": "normal"},
            idempotency_key=f"bench-{i}",
        )
        guests.append(g)
    today = date.today()
    counts = {"ok": 0, "taken": 0, "other": 0}
    lock = threading.Lock()
    stop = time.perf_counter() + SECONDS

    def worker(i):
        rng = random.Random(i)
        try:
            while time.perf_counter() < stop:
                start = today + timedelta(days=rng.randint(2, 400))
                try:
                    services.booking_create(
                        resource=rng.choice(rooms), guest=guests[i], start=start, end=start + timedelta(days=2)
                    )
                    key = "ok"
                except ValidationError as exc:
                    key = "taken" if "Not available" in str(exc) else "other"
                except PermissionDenied:
                    key = "other"
                with lock:
                    counts[key] += 1
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(THREADS)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    with connection.cursor() as c:
        c.execute(OVERLAPS)
        overlaps = c.fetchone()[0]
    confirmed = Booking.objects.filter(status="accepted").count()
    print(
        f"figure  booking_create: {confirmed / elapsed:.1f} confirmed bookings/s "
        f"({confirmed} in {elapsed:.1f} s; {counts['taken']} refused as taken, {counts['other']} other)"
    )
    print(f"overlaps found afterwards: {overlaps}")
    floor(rooms, guests[0].pk, elapsed)


def floor(rooms, guest_id, seconds):
    from datetime import date, timedelta

    import psycopg
    from django.db import connection

    from meaningflow.resources.models import ResourceUnit

    units = list(ResourceUnit.objects.filter(resource__in=rooms).values_list("id", "resource_id"))
    policy = connection.cursor()
    policy.execute("SELECT id FROM resources_cancellationpolicy LIMIT 1")
    policy_id = policy.fetchone()[0]
    url = os.environ["DATABASE_URL"]
    done = [0]
    lock = threading.Lock()
    stop = time.perf_counter() + seconds
    today = date.today()

    def worker(i):
        rng = random.Random(1000 + i)
        conn = psycopg.connect(url, autocommit=True)
        try:
            while time.perf_counter() < stop:
                unit, resource = rng.choice(units)
                start = today + timedelta(days=rng.randint(401, 800))
                with conn.transaction():
                    conn.execute("SELECT id FROM resources_resourceunit WHERE id = %s FOR UPDATE", [unit])
                    busy = conn.execute(
                        "SELECT 1 FROM resources_booking WHERE unit_id = %s AND status IN "
                        "('requested','accepted','in_use') AND tstzrange(starts_at, blocked_until) && "
                        "tstzrange(%s::date + time '14:00', %s::date + time '11:00')",
                        [unit, start, start + timedelta(days=2)],
                    ).fetchone()
                    if busy is None:
                        conn.execute(
                            "INSERT INTO resources_booking (resource_id, unit_id, guest_id, status, starts_at, "
                            "ends_at, blocked_until, slots, people, message, policy_id, cv_amount, cv_consumed, "
                            "money_currency, demand_index, demand_level, pricing, is_exchange, exchange_provides, "
                            "problem_note, credit_status, credited_cv, reviews_opened, created_at) VALUES "
                            "(%s, %s, %s, 'accepted', %s::date + time '14:00', %s::date + time '11:00', "
                            "%s::date + time '11:00', 2, 1, '', %s, 400, 0, '', 1, 'normal', '{}', false, '', '', "
                            "'none', 0, false, now())",
                            [
                                resource,
                                unit,
                                guest_id,
                                start,
                                start + timedelta(days=2),
                                start + timedelta(days=2),
                                policy_id,
                            ],
                        )
                        with lock:
                            done[0] += 1
        finally:
            conn.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(THREADS)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    print(f"floor   raw SQL (lock unit, NOT EXISTS, insert): {done[0] / elapsed:.1f} confirmed bookings/s")


def main():
    from _resources_common import run_child

    run_child(__file__, "pg")


if __name__ == "__main__":
    if len(sys.argv) > 1:
        child()
    else:
        main()

""" "Which resources are free for these dates in this city" on PostgreSQL, at scale.

Data: 100 000 resources (one unit each) in 10 regions and 2 000 000 bookings (20 per
unit, spaced so that none overlap), bulk-generated with generate_series.
Figure: p95 of ``selectors.resource_search`` (region + dates: the real ORM query with its
NOT EXISTS over bookings and blocks, duration and lead-time conditions), all ids fetched.
Floor: hand-written SQL in the same run: NOT EXISTS with the range overlap operator that
the exclusion constraint's GiST index serves (no block or duration checks).
"""

import os
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

RESOURCES = int(os.environ.get("BENCH_RESOURCES", 100_000))
PER_UNIT = int(os.environ.get("BENCH_BOOKINGS_PER_UNIT", 20))
REGIONS = ["430100", "110100", "510100", "330100", "532900", "440300", "420100", "320100", "370100", "350100"]
RUNS = 40


def _generate():
    from django.db import connection

    from meaningflow.accounts.models import User
    from meaningflow.places.models import Division
    from meaningflow.resources.models import CancellationPolicy

    owner = User.objects.create_user("bench_owner")
    policy = CancellationPolicy.objects.filter(code="moderate").first().pk
    divisions = {d.code: d.pk for d in Division.objects.filter(code__in=REGIONS)}
    region_case = " ".join(f"WHEN {i} THEN '{code}'" for i, code in enumerate(REGIONS))
    division_case = " ".join(f"WHEN {i} THEN {divisions[code]}" for i, code in enumerate(REGIONS))
    with connection.cursor() as c:
        c.execute(f"""
            INSERT INTO resources_resource (type, title_zh, title_en, description, house_rules, owner_id,
              is_public, division_id, region_key, address, latitude, longitude, capacity, payment,
              price_currency, cv_per_slot, slot, min_slots, max_slots, lead_time_hours, preparation_minutes,
              check_in_time, check_out_time, booking_mode, min_trust_level, requires_verified_identity,
              cancellation_policy, is_exchange, exchange_provides, status, created_at, updated_at)
            SELECT 'room', '房间' || g, 'Room ' || g, '', '', {owner.pk}, false,
              CASE g % 10 {division_case} END, CASE g % 10 {region_case} END, '',
              28 + (g % 100) / 100.0, 112 + (g % 97) / 100.0, 2, 'cv', '', 200, 'nightly', 1, 30, 0, 0,
              '14:00', '11:00', 'request', 2, false, 'moderate', false, '', 'active', now(), now()
            FROM generate_series(1, {RESOURCES}) g""")
        c.execute("""INSERT INTO resources_resourceunit (resource_id, name, position, active)
                     SELECT id, 'Whole', 0, true FROM resources_resource""")
        # Booking k of a unit starts k*10 days (+ unit offset) after the base: never overlapping.
        c.execute(f"""
            INSERT INTO resources_booking (resource_id, unit_id, guest_id, status, starts_at, ends_at,
              blocked_until, slots, people, message, policy_id, cv_amount, cv_consumed, money_currency,
              demand_index, demand_level, pricing, is_exchange, exchange_provides, problem_note,
              credit_status, credited_cv, reviews_opened, created_at)
            SELECT u.resource_id, u.id, {owner.pk},
              (ARRAY['accepted','completed','cancelled','requested','completed'])[1 + (k * 31 + u.id * 17) % 5],
              timestamptz '2026-01-01 14:00+08' + ((k * 10 + (u.id * 7919) % 9) || ' days')::interval,
              timestamptz '2026-01-04 11:00+08' + ((k * 10 + (u.id * 7919) % 9) || ' days')::interval,
              timestamptz '2026-01-04 11:00+08' + ((k * 10 + (u.id * 7919) % 9) || ' days')::interval,
              3, 1, '', {policy}, 600, 0, '', 1, 'normal', '{{}}', false, '', '', 'none', 0, false, now()
            FROM resources_resourceunit u CROSS JOIN generate_series(0, {PER_UNIT - 1}) k""")
        c.execute("ANALYZE")
        c.execute("SELECT count(*) FROM resources_booking")
        return c.fetchone()[0]


FLOOR_SQL = """
SELECT r.id FROM resources_resource r
WHERE r.status = 'active' AND r.region_key LIKE %s
  AND EXISTS (SELECT 1 FROM resources_resourceunit u WHERE u.resource_id = r.id AND u.active
    AND NOT EXISTS (SELECT 1 FROM resources_booking b WHERE b.unit_id = u.id
      AND b.status IN ('requested', 'accepted', 'in_use')
      AND tstzrange(b.starts_at, b.blocked_until, '[)') && tstzrange(%s, %s, '[)')))
"""


def _p95(samples):
    return statistics.quantiles(samples, n=20)[18] * 1000


def child():
    from _resources_common import django_setup

    django_setup()
    from zoneinfo import ZoneInfo

    from django.db import connection
    from django.utils import timezone

    from meaningflow.places.services import places_load
    from meaningflow.resources import selectors
    from meaningflow.resources.periods import search_window

    places_load()
    started = time.perf_counter()
    bookings = _generate()
    print(f"generated {RESOURCES} resources, {bookings} bookings in {time.perf_counter() - started:.0f} s")
    base = date(2026, 1, 1)
    figure, floor, sizes = [], [], []
    now = timezone.make_aware(timezone.datetime(2025, 12, 1))
    for run in range(RUNS):
        region = REGIONS[run % len(REGIONS)]
        first = base + timedelta(days=3 + (run * 13) % 180)
        last = first + timedelta(days=2 + run % 4)
        filters = selectors.SearchFilters(region=region, date_from=first, date_to=last)
        t = time.perf_counter()
        ids = list(selectors.resource_search(filters, now=now).values_list("id", flat=True))
        figure.append(time.perf_counter() - t)
        starts_at, ends_at = search_window(first, last, ZoneInfo("Asia/Shanghai"))
        t = time.perf_counter()
        with connection.cursor() as c:
            c.execute(FLOOR_SQL, [region + "%", starts_at, ends_at])
            raw = [row[0] for row in c.fetchall()]
        floor.append(time.perf_counter() - t)
        sizes.append(len(ids))
        assert set(ids) == set(raw), (len(ids), len(raw))
    print(
        f"free resources per query: median {statistics.median(sizes):.0f} of {RESOURCES // len(REGIONS)} in the region (min {min(sizes)}, max {max(sizes)})"
    )
    print(f"figure  resource_search p95: {_p95(figure):.1f} ms (median {statistics.median(figure) * 1000:.1f} ms)")
    print(f"floor   hand-written SQL p95: {_p95(floor):.1f} ms (median {statistics.median(floor) * 1000:.1f} ms)")
    print(f"ratio   figure/floor (p95): {_p95(figure) / _p95(floor):.2f}")


def main():
    from _resources_common import run_child

    run_child(__file__, "pg")


if __name__ == "__main__":
    if len(sys.argv) > 1:
        child()
    else:
        main()

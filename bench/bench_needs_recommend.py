"""Top-10 recommended needs for a person among 1,000,000 open needs (DG-3).

Figure: ``selectors.recommended_needs`` — the real code path: the person's features from
the profile and the ledger (queries), the freshness check of the in-memory index of open
needs, candidate generation (skill-domain postings, travel scope, open window, CV), NumPy
scoring of the candidates, the top 10 fetched with their reasons in words.
Floor, measured in the same run: brute-force NumPy scoring of the same features over all
1,000,000 rows plus the top 10 (no database, no candidate generation, no reasons).
Goal: p95 of the figure no slower than p95 of the floor.
Database: a temp SQLite file (set NEEDS_BENCH_DB=pg for a throwaway PostgreSQL).
"""

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

N_NEEDS = int(os.environ.get("NEEDS_BENCH_N", "1000000"))
N_PEOPLE = 20
ROUNDS = 5


def child() -> None:
    from _needs_common import bulk_load, django_setup, make_people, percentile, progress

    django_setup()
    started = time.perf_counter()
    bulk_load(N_NEEDS, with_search=False)
    progress(f"loaded {N_NEEDS:,} needs in {time.perf_counter() - started:.0f} s")
    people = make_people(N_PEOPLE)

    from meaningflow.needs import selectors, services
    from meaningflow.needs.matching.index import brute_force

    started = time.perf_counter()
    index = selectors.need_index()
    build = time.perf_counter() - started
    progress(f"index of {len(index):,} open needs built in {build:.1f} s")
    weights = services.weights_in_force().as_dict()
    figure, floor, candidates = [], [], []
    agree = 0
    for _round in range(ROUNDS):
        for user in people:
            t0 = time.perf_counter()
            recs = selectors.recommended_needs(user=user, limit=10)
            figure.append(time.perf_counter() - t0)
            person = selectors.person_features(user=user)
            candidates.append(len(index.candidates(person.scope)))
            alive = index.features.take(index.alive.nonzero()[0])
            t0 = time.perf_counter()
            ids, _scores, _parts = brute_force(person.features, alive, weights, k=10)
            floor.append(time.perf_counter() - t0)
            agree += int(bool(recs) and recs[0].need.pk in ids.tolist())
    ms = 1000
    print(
        f"needs: {N_NEEDS:,} ({len(index):,} open now); people: {N_PEOPLE}; requests: {len(figure)}; "
        f"index build (cold, once per process): {build:.1f} s"
    )
    print(f"candidates scored per request: median {int(percentile(candidates, 50)):,} of {len(index):,}")
    print(
        f"figure  recommended_needs top-10: p50 {percentile(figure, 50) * ms:.1f} ms, "
        f"p95 {percentile(figure, 95) * ms:.1f} ms"
    )
    print(
        f"floor   brute-force NumPy, all rows: p50 {percentile(floor, 50) * ms:.1f} ms, "
        f"p95 {percentile(floor, 95) * ms:.1f} ms"
    )
    print(
        f"ratio p95 figure/floor: {percentile(figure, 95) / percentile(floor, 95):.2f} (goal ≤ 1.00); "
        f"best recommendation also in the unrestricted top 10: {agree}/{len(figure)}"
    )


def main() -> None:
    from _needs_common import run_child

    run_child(__file__, os.environ.get("NEEDS_BENCH_DB", "sqlite"))


if __name__ == "__main__":
    if len(sys.argv) > 1:
        child()
    else:
        main()

"""Full-text search over 1,000,000 needs on PostgreSQL (DG-2).

Figure: ``selectors.need_search(q=...)`` — the real code path (tokenise the query,
ORM queryset with the tsvector match and ts_rank, COUNT for the paginator, first page of
20 by rank with the organisation and place joined).
Floor, measured in the same run: the same two statements as raw SQL through the driver
on the same GIN index (COUNT, then ids of the top 20 by ts_rank).
Queries: Chinese two-character words (饺子, 手机, 剪纸), English words (dumpling,
repair, streaming) and a two-word query.
"""

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

N_NEEDS = int(os.environ.get("NEEDS_BENCH_N", "1000000"))
QUERIES = ["饺子", "手机", "剪纸", "dumpling", "repair", "streaming", "english corner"]
ROUNDS = 8


def child() -> None:
    from _needs_common import bulk_load, django_setup, percentile, progress

    django_setup()
    from django.db import connection

    if connection.vendor != "postgresql":
        print("skipped: needs PostgreSQL")
        return
    started = time.perf_counter()
    bulk_load(N_NEEDS, with_search=True)
    progress(f"loaded and indexed {N_NEEDS:,} needs in {time.perf_counter() - started:.0f} s")

    from meaningflow.needs import search, selectors

    figure, floor = [], []
    counts = {}
    raw = connection.connection
    for q in QUERIES:  # warm the caches once
        list(selectors.need_search(q=q).page)
    for _round in range(ROUNDS):
        for q in QUERIES:
            t0 = time.perf_counter()
            result = selectors.need_search(q=q)
            page = list(result.page)
            counts[q] = result.page.paginator.count
            figure.append(time.perf_counter() - t0)
            tsq = search.tsquery(search.query_tokens(q))
            t0 = time.perf_counter()
            with raw.cursor() as cur:
                cur.execute(
                    "SELECT COUNT(*) FROM needs_need WHERE status = 'published' "
                    "AND search_vector @@ to_tsquery('simple', %s)",
                    [tsq],
                )
                cur.fetchone()
                cur.execute(
                    "SELECT id FROM needs_need WHERE status = 'published' "
                    "AND search_vector @@ to_tsquery('simple', %s) "
                    "ORDER BY ts_rank(search_vector, to_tsquery('simple', %s)) DESC, published_at DESC, id DESC "
                    "LIMIT 20",
                    [tsq, tsq],
                )
                ids = [r[0] for r in cur.fetchall()]
            floor.append(time.perf_counter() - t0)
            assert ids == [n.pk for n in page], q
    ms = 1000
    print(
        f"needs: {N_NEEDS:,}; queries: {len(figure)}; matches per query: "
        + ", ".join(f"{q} {n:,}" for q, n in counts.items())
    )
    print(
        f"figure  need_search first page: p50 {percentile(figure, 50) * ms:.1f} ms, "
        f"p95 {percentile(figure, 95) * ms:.1f} ms"
    )
    print(
        f"floor   raw SQL, same index: p50 {percentile(floor, 50) * ms:.1f} ms, p95 {percentile(floor, 95) * ms:.1f} ms"
    )
    print(f"ratio p95 figure/floor: {percentile(figure, 95) / percentile(floor, 95):.2f}")


def main() -> None:
    from _needs_common import run_child

    run_child(__file__, "pg")


if __name__ == "__main__":
    if len(sys.argv) > 1:
        child()
    else:
        main()

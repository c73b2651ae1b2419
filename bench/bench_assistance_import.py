"""Peak memory and time of a 200,000-row registry import (GV-1, issue 11 item 18).

Runs on a SQLite file in a temp dir and on a throwaway PostgreSQL cluster (each in its own
process). A CSV and an XLSX registry of ``BENCH_IMPORT_ROWS`` rows (default 200,000; different
persons in each) are generated and written to disk first; every measurement then runs in a
process forked for it alone, so that its peak resident set (``ru_maxrss``) is its own:

- floor: reading the file as the import reads it — the bytes in memory (an upload is), every
  row parsed (``csv.reader`` over a text stream, openpyxl read-only) and dropped;
- import: ``registry_import`` of the file into an empty registry (every row new): stream,
  validate, spool, then apply in chunks in one transaction;
- re-import: the same CSV again (every row unchanged).

Printed for each: the peak of the process's own (anonymous) memory, sampled every 20 ms from
/proc/self/status (RssAnon) — the figure the goal is about; the kernel's peak RSS (VmHWM), which
on SQLite also counts the database file's pages that SQLite maps into the process (the project
sets ``PRAGMA mmap_size`` to 256 MiB: file-backed, shared and reclaimable, the page cache rather
than the import's memory); the time; and the import against the floor.
Goal: the import's own memory under 300 MB for 200,000 rows (the old import held every row's
dicts: 1.6 GB).
"""

import datetime
import io
import multiprocessing
import os
import resource
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "200000"))
GOAL_MB = 300
COUNTIES = ["430102", "430103", "430104", "430105", "430111", "430121", "430202", "430302", "430602", "430702"]
HEADERS = [
    "姓名",
    "身份证号",
    "户籍区划代码",
    "登记失业日期",
    "登记状态",
    "就业形式",
    "人员身份",
    "是否残疾",
    "是否低保",
    "零就业家庭",
    "家庭编号",
    "联系电话",
    "意向",
    "服务需求",
]


def _rows(count: int, offset: int):
    """Realistic-looking rows with valid, unique resident ID numbers."""
    from meaningflow.accounts.demo import cn_resident_id

    base = datetime.date(1966, 1, 1)
    for i in range(offset, offset + count):
        region = COUNTIES[i % len(COUNTIES)]
        birth = base + datetime.timedelta(days=(i // 1000) % 12_000)
        household = f"H{i // 3:07d}" if i % 4 == 0 else ""
        yield [
            f"测试{i}",
            cn_resident_id(region, birth, i % 1000),
            region,
            f"20{20 + i % 5}-{1 + i % 12:02d}-{1 + i % 28:02d}",
            "登记失业",
            "灵活就业" if i % 10 == 0 else "无",
            "干部" if i % 20 == 0 else "工人",
            "是" if i % 17 == 0 else "否",
            "是" if i % 23 == 0 else "否",
            "是" if household and i % 7 == 0 else "否",
            household,
            f"139{i:08d}",
            "就业",
            "就业;培训" if i % 3 == 0 else "",
        ]


def _write_csv(path: Path, offset: int) -> None:
    import csv

    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(HEADERS)
        writer.writerows(_rows(ROWS, offset))


def _write_xlsx(path: Path, offset: int) -> None:
    import openpyxl

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("名册")
    sheet.append(HEADERS)
    for row in _rows(ROWS, offset):
        sheet.append(row)
    workbook.save(path)


def _max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


def _status_mb(field: str) -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024  # kB
    return 0.0


def _sample_anonymous(stop: threading.Event, peak: list) -> None:
    while not stop.is_set():
        peak[0] = max(peak[0], _status_mb("RssAnon"))
        stop.wait(0.02)


def _floor(path: str) -> str:
    from meaningflow.assistance import importing

    content = Path(path).read_bytes()
    count = 0
    with importing.open_table(content, path, max_rows=10**7, max_bytes=10**9) as table:
        for _row in table.rows:
            count += 1
    return f"{count:,} rows read"


def _import(path: str) -> str:
    from meaningflow.assistance.services import registry_import

    content = Path(path).read_bytes()
    batch = registry_import(
        system=True, region_prefix="43", filename=Path(path).name, content=content, stream=io.StringIO()
    )
    if batch.status != "applied":
        raise RuntimeError(f"rejected: {batch.report['errors']}")
    return f"new {batch.accepted:,}, updated {batch.updated:,}, unchanged {batch.unchanged:,}"


def _measured(queue, function, path: str) -> None:
    stop, peak = threading.Event(), [_status_mb("RssAnon")]
    start_anonymous = peak[0]
    sampler = threading.Thread(target=_sample_anonymous, args=(stop, peak), daemon=True)
    sampler.start()
    started = time.perf_counter()
    outcome = function(path)
    seconds = time.perf_counter() - started
    stop.set()
    sampler.join()
    peak[0] = max(peak[0], _status_mb("RssAnon"))
    queue.put((outcome, seconds, start_anonymous, peak[0], _max_rss_mb()))


def _in_own_process(function, path: str) -> tuple[str, float, float, float, float]:
    """Run in a forked process: (outcome, seconds, anonymous memory at start, its sampled peak,
    peak RSS), in MB."""
    from django.db import connections

    connections.close_all()  # the child opens its own connection
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    process = context.Process(target=_measured, args=(queue, function, path))
    process.start()
    result = queue.get()
    process.join()
    if process.exitcode:
        raise RuntimeError(f"{function.__name__} failed in its process")
    return result


def child() -> None:
    from meaningflow.testing.bench import django_setup

    django_setup()
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            version = f"PostgreSQL {cursor.fetchone()[0]} (throwaway cluster)"
    else:
        version = f"SQLite {connection.Database.sqlite_version} (file in a temp dir)"
    print(f"database: {version}; rows per file: {ROWS:,}", flush=True)
    with tempfile.TemporaryDirectory(prefix="mf-import-") as folder:
        csv_path, xlsx_path = Path(folder) / "registry.csv", Path(folder) / "registry.xlsx"
        started = time.perf_counter()
        _write_csv(csv_path, 0)
        _write_xlsx(xlsx_path, ROWS)
        print(
            f"generated: CSV {csv_path.stat().st_size / 2**20:.1f} MB, XLSX {xlsx_path.stat().st_size / 2**20:.1f} MB "
            f"in {time.perf_counter() - started:.1f} s; this process: {_status_mb('RssAnon'):.0f} MB anonymous, "
            f"{_status_mb('VmRSS'):.0f} MB resident",
            flush=True,
        )
        peaks = {}
        for label, function, path in (
            ("floor, CSV (read and parse every row)", _floor, csv_path),
            ("import, CSV (every row new)", _import, csv_path),
            ("re-import, CSV (every row unchanged)", _import, csv_path),
            ("floor, XLSX (read and parse every row)", _floor, xlsx_path),
            ("import, XLSX (every row new)", _import, xlsx_path),
        ):
            outcome, seconds, start_mb, peak_mb, rss_mb = _in_own_process(function, str(path))
            peaks[label] = peak_mb
            print(
                f"{label}: own memory peak {peak_mb:.0f} MB (+{peak_mb - start_mb:.0f} MB over the forked "
                f"process's start), peak RSS {rss_mb:.0f} MB; {seconds:.1f} s, {ROWS / seconds:,.0f} rows/s; "
                f"{outcome}",
                flush=True,
            )
    for kind in ("CSV", "XLSX"):
        floor, figure = peaks[f"floor, {kind} (read and parse every row)"], peaks[f"import, {kind} (every row new)"]
        verdict = "meets" if figure < GOAL_MB else "MISSES"
        print(
            f"{kind}: import's own memory peak {figure:.0f} MB vs the floor's {floor:.0f} MB "
            f"(+{figure - floor:.0f} MB); {verdict} the goal of < {GOAL_MB} MB for {ROWS:,} rows"
        )


def main() -> None:
    from meaningflow.testing.bench import run_child

    for mode in ("sqlite", "pg"):
        run_child(__file__, mode)


if __name__ == "__main__":
    if len(sys.argv) > 1:
        child()
    else:
        main()

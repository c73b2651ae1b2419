"""An in-memory feature index of open needs, for candidate generation at scale.

Scoring a person against every open need is a brute-force scan; with a million needs
that costs tens of milliseconds of trigonometry per request. The index keeps the
features as NumPy columns plus a postings list per skill domain (CSR: rows sorted by
domain, with offsets), so a request gathers only needs in the person's skill domains (and
needs that ask for no skill), drops those outside the person's travel scope, closed or
above their CV, and scores the rest (docs/MATCHING.md).

Rows are never removed in place: a changed need marks its old row dead and appends a new
one; appended rows are scanned without postings until the next full build.
"""

from dataclasses import dataclass, field

import numpy as np

from meaningflow.needs.matching.scoring import (
    NeedArrays,
    PersonFeatures,
    score_needs,
    top_k,
)

NO_SKILL_DOMAIN = 0  # postings slot of needs that ask for no skill (domain ids start at 1)
NEVER = np.iinfo(np.int64).max
LOCAL_KM = 60.0
PROVINCE_KM = 400.0


@dataclass
class NeedColumns:
    """What the index stores beyond the scoring features: filters."""

    region: np.ndarray  # int32 six-digit GB/T 2260 code, 0 when none
    country: np.ndarray  # int16 index into ``countries``
    ends_at: np.ndarray  # int64 epoch seconds
    deadline: np.ndarray  # int64 epoch seconds, NEVER when none
    cv_threshold: np.ndarray  # int64

    def take(self, rows):
        return NeedColumns(**{name: getattr(self, name)[rows] for name in self.__dataclass_fields__})


@dataclass
class Scope:
    """Who is asking: travel scope, CV and time, for the filters."""

    now: int
    domains: tuple[int, ...] = ()
    country: str = ""
    region: int = 0
    lat: float | None = None
    lon: float | None = None
    travel: str = "local"
    travel_prefixes: tuple[str, ...] = ()
    lifetime_cv: int = 0
    exclude_ids: tuple[int, ...] = ()


def concat_arrays(a: NeedArrays, b: NeedArrays) -> NeedArrays:
    k = max(a.skill_ids.shape[1], b.skill_ids.shape[1])

    def pad(x, fill):
        if x.shape[1] == k:
            return x
        return np.pad(x, ((0, 0), (0, k - x.shape[1])), constant_values=fill)

    out = {}
    for name in NeedArrays.__dataclass_fields__:
        x, y = getattr(a, name), getattr(b, name)
        if x.ndim == 2:
            fill = 0 if name == "skill_levels" else -1
            x, y = pad(x, fill), pad(y, fill)
        out[name] = np.concatenate([x, y])
    return NeedArrays(**out)


@dataclass
class NeedIndex:
    features: NeedArrays
    columns: NeedColumns
    countries: list[str]
    alive: np.ndarray = field(init=False)
    base_rows: int = field(init=False)
    postings_rows: np.ndarray = field(init=False)
    postings_offsets: np.ndarray = field(init=False)

    def __post_init__(self):
        n = len(self.features)
        self.alive = np.ones(n, dtype=bool)
        self.base_rows = n
        self._build_postings()

    def __len__(self) -> int:
        return int(self.alive.sum())

    def _build_postings(self) -> None:
        domains = self.features.skill_domains
        n, k = domains.shape if domains.ndim == 2 else (len(domains), 0)
        rows = np.repeat(np.arange(n, dtype=np.int64), k) if k else np.empty(0, np.int64)
        flat = domains.reshape(-1) if k else np.empty(0, np.int32)
        has_skill = (domains >= 0).any(axis=1) if k else np.zeros(n, bool)
        keep = flat >= 0
        rows = np.concatenate([rows[keep], np.flatnonzero(~has_skill)])
        flat = np.concatenate([flat[keep], np.full(int((~has_skill).sum()), NO_SKILL_DOMAIN, np.int32)])
        order = np.argsort(flat, kind="stable")
        self.postings_rows = rows[order]
        sorted_domains = flat[order]
        top = int(sorted_domains.max(initial=0)) + 2
        self.postings_offsets = np.searchsorted(sorted_domains, np.arange(top))

    def country_index(self, code: str) -> int:
        try:
            return self.countries.index(code)
        except ValueError:
            return -1

    # --- updates --------------------------------------------------------------------

    def remove(self, need_ids) -> None:
        ids = np.asarray(list(need_ids), dtype=np.int64)
        if len(ids) == 0:
            return
        found = np.isin(self.features.ids, ids)
        self.alive &= ~found

    def append(self, features: NeedArrays, columns: NeedColumns, countries: list[str]) -> None:
        """Add rows (after ``remove`` of their old versions). Country indexes of the new
        rows refer to ``countries``; they are remapped onto this index's list."""
        remap = np.array([self._country_slot(c) for c in countries] or [0], dtype=np.int16)
        columns.country = remap[columns.country] if len(columns.country) else columns.country
        self.features = concat_arrays(self.features, features)
        self.columns = NeedColumns(
            **{
                name: np.concatenate([getattr(self.columns, name), getattr(columns, name)])
                for name in NeedColumns.__dataclass_fields__
            }
        )
        self.alive = np.concatenate([self.alive, np.ones(len(features), dtype=bool)])

    def _country_slot(self, code: str) -> int:
        if code not in self.countries:
            self.countries.append(code)
        return self.countries.index(code)

    @property
    def appended_rows(self) -> int:
        return len(self.alive) - self.base_rows

    # --- queries --------------------------------------------------------------------

    def candidates(self, scope: Scope) -> np.ndarray:
        """Rows worth scoring for ``scope``: in the person's skill domains (or asking for
        no skill), open, within reach and not above the person's CV."""
        n = len(self.alive)
        if scope.domains:
            mask = np.zeros(n, dtype=bool)
            offsets = self.postings_offsets
            for domain in (NO_SKILL_DOMAIN, *scope.domains):
                if 0 <= domain < len(offsets) - 1:
                    mask[self.postings_rows[offsets[domain] : offsets[domain + 1]]] = True
            mask[self.base_rows :] = True  # appended rows have no postings yet
            rows = np.flatnonzero(mask & self.alive)
        else:
            rows = np.flatnonzero(self.alive)
        cols = self.columns
        keep = (
            (cols.ends_at[rows] > scope.now)
            & (cols.deadline[rows] > scope.now)
            & (cols.cv_threshold[rows] <= scope.lifetime_cv)
        )
        rows = rows[keep]
        rows = rows[self._within_reach(rows, scope)]
        if scope.exclude_ids:
            rows = rows[~np.isin(self.features.ids[rows], np.asarray(scope.exclude_ids, dtype=np.int64))]
        return rows

    def _within_reach(self, rows: np.ndarray, scope: Scope) -> np.ndarray:
        if scope.travel == "international":
            return np.ones(len(rows), dtype=bool)
        region = self.columns.region[rows]
        reach = self.features.remote[rows].copy()
        for prefix in scope.travel_prefixes:
            digits = len(prefix)
            reach |= (region // 10 ** (6 - digits)) == int(prefix)
        if scope.travel == "national":
            reach |= self.columns.country[rows] == self.country_index(scope.country)
            return reach
        if scope.region:
            divisor = 10_000 if scope.travel == "province" else 100
            reach |= (region > 0) & ((region // divisor) == (scope.region // divisor))
        if scope.lat is not None and scope.lon is not None:
            radius = PROVINCE_KM if scope.travel == "province" else LOCAL_KM
            lat, lon = self.features.lat[rows], self.features.lon[rows]
            dlat = radius / 111.0
            dlon = radius / (111.0 * max(0.05, float(np.cos(np.radians(scope.lat)))))
            reach |= (np.abs(lat - scope.lat) <= dlat) & (np.abs(lon - scope.lon) <= dlon)
        return reach

    def recommend(self, person: PersonFeatures, scope: Scope, weights: dict[str, float], k: int = 10):
        """(need ids, scores, parts) of the k best open needs for the person, best first."""
        rows = self.candidates(scope)
        subset = self.features.take(rows)
        scores, parts = score_needs(person, subset, weights)
        best = top_k(scores, subset.ids, k)
        return subset.ids[best], scores[best], parts[best]


def brute_force(person: PersonFeatures, features: NeedArrays, weights: dict[str, float], k: int = 10):
    """Score every row and take the best k: the floor the index is measured against."""
    scores, parts = score_needs(person, features, weights)
    best = top_k(scores, features.ids, k)
    return features.ids[best], scores[best], parts[best]

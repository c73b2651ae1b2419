"""Pure scoring: NumPy arrays in, total scores and their parts out (no database).

Every part is a number in [0, 1]; the total is the weighted mean of the parts with the
weights in force (``MatchingWeights``). The same part functions score needs for one
person and people for one need, by broadcasting.
"""

from dataclasses import dataclass, field

import numpy as np

PARTS = ("skills", "interests", "distance", "time", "language", "trust", "reward", "behaviour")
# What a poster is shown of a suggested person (issue 12, item 7): every part but what the
# person looked at and applied to, which ranks needs for the person and never the person for
# a poster (its weight is 0 there: ``candidate_weights``).
CANDIDATE_PARTS = tuple(part for part in PARTS if part != "behaviour")
NEED_TYPES = (
    "project",
    "skill",
    "cultural",
    "community_service",
    "creative",
    "training",
    "public_welfare",
    "startup",
)
REWARDS = ("lodging", "stipend", "skill_exchange", "cv", "money", "mixed")
INTENTIONS = ("job", "training", "startup", "participation")
# How far a person is happy to go, by travel willingness: the distance at which the
# distance part has fallen to one half.
TRAVEL_RADIUS_KM = {"local": 30.0, "province": 300.0, "national": 1500.0, "international": 8000.0}
# Credit for a required skill the person lacks but whose domain they know (taxonomy-aware).
SAME_DOMAIN_CREDIT = 0.5
NEUTRAL = 0.5
EARTH_RADIUS_KM = 6371.0088

# Affinity of each intention (rows, INTENTIONS order) with each reward (REWARDS order)
# and with each need type (NEED_TYPES order). A person's reward fit is the best over
# their intentions.
INTENTION_REWARD = np.array(
    [
        #  lodging stipend exch   cv   money mixed
        [0.3, 0.8, 0.2, 0.2, 1.0, 0.8],  # job
        [0.4, 0.5, 1.0, 0.6, 0.4, 0.6],  # training
        [0.3, 0.6, 0.7, 0.6, 0.7, 0.8],  # startup
        [0.8, 0.6, 0.8, 1.0, 0.5, 0.8],  # participation
    ],
    dtype=np.float32,
)
INTENTION_TYPE = np.array(
    [
        # proj skill cult comm creat train welf start
        [0.7, 1.0, 0.2, 0.3, 0.5, 0.4, 0.5, 0.6],  # job
        [0.5, 0.6, 0.6, 0.3, 0.5, 1.0, 0.3, 0.4],  # training
        [0.8, 0.5, 0.3, 0.2, 0.7, 0.4, 0.2, 1.0],  # startup
        [0.8, 0.6, 1.0, 1.0, 0.9, 0.7, 1.0, 0.6],  # participation
    ],
    dtype=np.float32,
)


def reward_affinity(intentions) -> tuple[np.ndarray, np.ndarray, bool]:
    """Per-reward and per-type affinity vectors of a set of intentions."""
    rows = [INTENTIONS.index(i) for i in intentions if i in INTENTIONS]
    if not rows:
        return (
            np.full(len(REWARDS), NEUTRAL, np.float32),
            np.full(len(NEED_TYPES), NEUTRAL, np.float32),
            False,
        )
    return INTENTION_REWARD[rows].max(axis=0), INTENTION_TYPE[rows].max(axis=0), True


@dataclass
class PersonFeatures:
    """One person, as the scoring functions see them."""

    skill_levels: dict[int, int] = field(default_factory=dict)
    domain_levels: dict[int, int] = field(default_factory=dict)
    interest_mask: int = 0
    language_mask: int = 0
    lat: float | None = None
    lon: float | None = None
    travel: str = "local"
    weekly_hours: float = 0.0
    trust_level: int = 1
    lifetime_cv: int = 0
    intentions: tuple[str, ...] = ()
    # Per need type (NEED_TYPES order), how much of what the person recently looked at and
    # applied to was of that type, the most engaged type = 1; None: nothing yet.
    type_interest: np.ndarray | None = None


@dataclass
class NeedArrays:
    """Column arrays of needs (one row each). Skills are padded to K columns with -1."""

    ids: np.ndarray  # int64
    skill_ids: np.ndarray  # int32 (n, K)
    skill_domains: np.ndarray  # int32 (n, K)
    skill_levels: np.ndarray  # int8 (n, K)
    interest_mask: np.ndarray  # uint64
    language_mask: np.ndarray  # uint64
    lat: np.ndarray  # float64, nan when unknown
    lon: np.ndarray
    remote: np.ndarray  # bool
    hours_per_week: np.ndarray  # float32, nan when not given
    reward: np.ndarray  # int8 index into REWARDS
    type: np.ndarray  # int8 index into NEED_TYPES

    def take(self, rows: np.ndarray) -> "NeedArrays":
        return NeedArrays(**{name: getattr(self, name)[rows] for name in self.__dataclass_fields__})

    def __len__(self) -> int:
        return len(self.ids)


@dataclass
class PeopleArrays:
    """Column arrays of people. ``skill_matrix[p, s]`` is the level of skill id s (0 none)."""

    user_ids: np.ndarray
    skill_matrix: np.ndarray  # int8 (m, S)
    domain_matrix: np.ndarray  # int8 (m, D)
    interest_mask: np.ndarray
    language_mask: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    radius_km: np.ndarray  # float32
    weekly_hours: np.ndarray  # float32
    trust_level: np.ndarray  # int8
    reward_aff: np.ndarray  # float32 (m, len(REWARDS))
    type_aff: np.ndarray  # float32 (m, len(NEED_TYPES))
    type_interest: np.ndarray  # float32 (m, len(NEED_TYPES)), nan rows: nothing browsed or applied to yet


# --- parts ------------------------------------------------------------------------------


def skill_credit(person_level, domain_level, required, valid) -> np.ndarray:
    """Mean credit over the required skills: the skill itself earns full credit scaled by
    level (level 2 of a required 4 earns 0.5), a known skill of the same domain earns
    SAME_DOMAIN_CREDIT scaled the same way. A need with no required skill scores NEUTRAL."""
    required = np.maximum(required, 1).astype(np.float32)
    own = np.minimum(1.0, person_level / required)
    near = SAME_DOMAIN_CREDIT * np.minimum(1.0, domain_level / required)
    credit = np.where(person_level > 0, own, near) * valid
    count = valid.sum(axis=-1)
    return np.where(count > 0, credit.sum(axis=-1) / np.maximum(count, 1), NEUTRAL).astype(np.float32)


def interest_fit(need_mask, person_mask) -> np.ndarray:
    need_count = np.bitwise_count(need_mask)
    shared = np.bitwise_count(need_mask & person_mask)
    fit = np.minimum(1.0, shared / np.maximum(np.minimum(need_count, 2), 1))
    return np.where(need_count == 0, NEUTRAL, fit).astype(np.float32)


def haversine_km(lat1, lon1, lat2, lon2) -> np.ndarray:
    lat1, lon1, lat2, lon2 = (np.radians(np.asarray(v, dtype=np.float64)) for v in (lat1, lon1, lat2, lon2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.minimum(1.0, a)))


def distance_fit(distance_km, radius_km, remote) -> np.ndarray:
    """1 at the door, one half at the travel radius, falling off beyond; remote work is 1;
    an unknown distance is NEUTRAL."""
    fit = 1.0 / (1.0 + (distance_km / radius_km) ** 2)
    fit = np.where(np.isnan(fit), NEUTRAL, fit)
    return np.where(remote, 1.0, fit).astype(np.float32)


def time_fit(available_hours, hours_per_week) -> np.ndarray:
    """Share of the weekly effort the person's availability covers; NEUTRAL when the person
    has not given any availability."""
    needed = np.where(np.isnan(hours_per_week), 0.0, hours_per_week)
    covered = np.where(needed > 0, np.minimum(1.0, available_hours / np.maximum(needed, 1e-6)), 1.0)
    return np.where(available_hours > 0, covered, NEUTRAL).astype(np.float32)


def language_fit(need_mask, person_mask) -> np.ndarray:
    shared = (need_mask & person_mask) != 0
    fit = np.where(need_mask == 0, 1.0, shared.astype(np.float32))
    return np.where(person_mask == 0, NEUTRAL, fit).astype(np.float32)


def trust_fit(trust_level) -> np.ndarray:
    """L3 (certified contributor) and above earn full credit."""
    return np.minimum(1.0, np.asarray(trust_level, dtype=np.float32) / 3.0)


def behaviour_fit(type_interest) -> np.ndarray:
    """How much of what the person looked at and applied to lately was of the need's type
    (the most engaged type = 1); NEUTRAL when there is nothing yet (nan)."""
    interest = np.asarray(type_interest, dtype=np.float32)
    return np.where(np.isnan(interest), NEUTRAL, interest).astype(np.float32)


def type_interest_of(counts: np.ndarray) -> np.ndarray:
    """Weighted engagement counts per need type (rows: people) → shares of the largest;
    nan rows for people with no engagement."""
    counts = np.asarray(counts, dtype=np.float32)
    top = counts.max(axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(top > 0, counts / top, np.nan).astype(np.float32)


def candidate_weights(weights: dict[str, float]) -> dict[str, float]:
    """The weights in force for scoring people for a poster: the behaviour part counts 0,
    so the other parts' weights are renormalised by ``combine``."""
    return {**weights, "behaviour": 0.0}


def combine(parts: np.ndarray, weights: dict[str, float]) -> np.ndarray:
    w = np.array([weights.get(name, 0.0) for name in PARTS], dtype=np.float32)
    total = float(w.sum()) or 1.0
    return parts @ (w / total)


# --- needs for a person ----------------------------------------------------------------


def _lut(mapping: dict[int, int], size: int) -> np.ndarray:
    lut = np.zeros(max(size, max(mapping, default=0) + 1), dtype=np.float32)
    for key, value in mapping.items():
        if key >= 0:
            lut[key] = value
    return lut


def score_needs(person: PersonFeatures, needs: NeedArrays, weights: dict[str, float]) -> tuple[np.ndarray, np.ndarray]:
    """Scores (n,) and parts (n, len(PARTS)) of every need for one person."""
    valid = needs.skill_ids >= 0
    size = int(needs.skill_ids.max(initial=0)) + 1
    skill_lut = _lut(person.skill_levels, size)
    domain_lut = _lut(person.domain_levels, int(needs.skill_domains.max(initial=0)) + 1)
    person_level = skill_lut[np.where(valid, needs.skill_ids, 0)] * valid
    domain_level = domain_lut[np.where(valid, needs.skill_domains, 0)] * valid
    parts = np.empty((len(needs), len(PARTS)), dtype=np.float32)
    parts[:, 0] = skill_credit(person_level, domain_level, needs.skill_levels, valid)
    parts[:, 1] = interest_fit(needs.interest_mask, np.uint64(person.interest_mask))
    if person.lat is None or person.lon is None:
        distance = np.full(len(needs), np.nan)
    else:
        distance = haversine_km(person.lat, person.lon, needs.lat, needs.lon)
    parts[:, 2] = distance_fit(distance, TRAVEL_RADIUS_KM.get(person.travel, 30.0), needs.remote)
    parts[:, 3] = time_fit(np.float32(person.weekly_hours), needs.hours_per_week)
    parts[:, 4] = language_fit(needs.language_mask, np.uint64(person.language_mask))
    parts[:, 5] = trust_fit(person.trust_level)
    reward_aff, type_aff, _known = reward_affinity(person.intentions)
    parts[:, 6] = np.maximum(reward_aff[needs.reward], type_aff[needs.type])
    if person.type_interest is None:
        parts[:, 7] = NEUTRAL
    else:
        parts[:, 7] = behaviour_fit(np.asarray(person.type_interest, dtype=np.float32)[needs.type])
    return combine(parts, weights), parts


# --- people for a need ------------------------------------------------------------------


def score_people(need: NeedArrays, people: PeopleArrays, weights: dict[str, float]) -> tuple[np.ndarray, np.ndarray]:
    """Scores (m,) and parts (m, len(PARTS)) of every person for one need (``need`` has one row)."""
    m = len(people.user_ids)
    skill_ids, domains, levels = need.skill_ids[0], need.skill_domains[0], need.skill_levels[0]
    valid = np.broadcast_to(skill_ids >= 0, (m, len(skill_ids)))
    safe_skill = np.clip(np.where(skill_ids >= 0, skill_ids, 0), 0, people.skill_matrix.shape[1] - 1)
    safe_domain = np.clip(np.where(domains >= 0, domains, 0), 0, people.domain_matrix.shape[1] - 1)
    in_range_skill = (skill_ids < people.skill_matrix.shape[1]) & (skill_ids >= 0)
    in_range_domain = (domains < people.domain_matrix.shape[1]) & (domains >= 0)
    person_level = people.skill_matrix[:, safe_skill].astype(np.float32) * in_range_skill
    domain_level = people.domain_matrix[:, safe_domain].astype(np.float32) * in_range_domain
    parts = np.empty((m, len(PARTS)), dtype=np.float32)
    parts[:, 0] = skill_credit(person_level, domain_level, np.broadcast_to(levels, valid.shape), valid)
    parts[:, 1] = interest_fit(need.interest_mask[0], people.interest_mask)
    distance = haversine_km(people.lat, people.lon, need.lat[0], need.lon[0])
    parts[:, 2] = distance_fit(distance, people.radius_km, bool(need.remote[0]))
    parts[:, 3] = time_fit(people.weekly_hours, need.hours_per_week[0])
    parts[:, 4] = language_fit(need.language_mask[0], people.language_mask)
    parts[:, 5] = trust_fit(people.trust_level)
    parts[:, 6] = np.maximum(people.reward_aff[:, need.reward[0]], people.type_aff[:, need.type[0]])
    parts[:, 7] = behaviour_fit(people.type_interest[:, need.type[0]])
    return combine(parts, weights), parts


def top_k(scores: np.ndarray, ids: np.ndarray, k: int) -> np.ndarray:
    """Row indices of the k best scores, best first; ties go to the lower id (stable)."""
    n = len(scores)
    if n == 0 or k <= 0:
        return np.empty(0, dtype=np.int64)
    # Rows tied with the k-th score outside the partition are not considered: ties at the
    # cut-off are rare and the order inside the top k stays deterministic.
    rows = np.argpartition(-scores, k - 1)[:k] if n > k else np.arange(n)
    order = np.lexsort((ids[rows], -scores[rows]))
    return rows[order]

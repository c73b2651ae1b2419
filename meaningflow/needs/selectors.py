"""Reads of the Dream Garden: browsing and search, recommendations both ways, applications.

Object-level permissions live here once: ``need_get_for_user`` and
``application_get_for_user`` return the object or raise Http404.
"""

import json
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypedDict

import numpy as np
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Count, Max, OrderBy, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from meaningflow.accounts import selectors as accounts_selectors
from meaningflow.conversations import selectors as conversation_selectors
from meaningflow.core.errors import Forbidden
from meaningflow.ledger import selectors as ledger_selectors
from meaningflow.needs import explain, search
from meaningflow.needs.matching import scoring
from meaningflow.needs.matching.index import NEVER, NeedColumns, NeedIndex, Scope
from meaningflow.needs.models import Application, Need, NeedSkill, NeedView
from meaningflow.needs.services import can_manage_need, weights_in_force
from meaningflow.needs.services.common import AccountsModel
from meaningflow.places.selectors import normalise_region_prefix

PUBLIC_STATUSES = (
    Need.Status.PUBLISHED,
    Need.Status.FILLED,
    Need.Status.CLOSED,
    Need.Status.EXPIRED,
)
SORTS = ("relevance", "newest", "starting_soon", "best_match")
PER_PAGE_MAX = 100
LANGUAGE_BITS = {code: i for i, code in enumerate(accounts_selectors.language_codes())}
K_SKILLS = 4


# Who is asking: a signed-in person, the anonymous visitor, or nobody (a job).
Viewer = AbstractBaseUser | AnonymousUser | None


def _language_mask(codes: Iterable[str] | None) -> int:
    mask = 0
    for code in codes or []:
        if code in LANGUAGE_BITS:
            mask |= 1 << LANGUAGE_BITS[code]
    return mask


def _interest_bit(interest_id: int) -> int:
    return 1 << ((interest_id - 1) % 64)


# --- single objects and permissions ----------------------------------------------------


def need_get_for_user(*, user: Viewer, need_id: int) -> Need:
    """A need the user may see: public once published; drafts only to the organisation."""
    need = Need.objects.select_related("organisation", "division", "city", "created_by").filter(pk=need_id).first()
    if need is None:
        raise Http404
    if need.status == Need.Status.DRAFT and not can_manage_need(user=user, need=need):
        raise Http404
    return need


def need_get_for_manager(*, user: Viewer, need_id: int) -> Need:
    need = need_get_for_user(user=user, need_id=need_id)
    if not can_manage_need(user=user, need=need):
        raise Forbidden(_("Only members of the posting organisation can manage this need."), code="need.not_manager")
    return need


def application_get_for_user(*, user: Viewer, application_id: int) -> Application:
    """The applicant and the posting organisation's members see an application; others 404."""
    application = (
        Application.objects.select_related("need__organisation", "applicant").filter(pk=application_id).first()
    )
    if application is None or user is None or not user.is_authenticated:
        raise Http404
    if application.applicant_id != user.pk and not can_manage_need(user=user, need=application.need):
        raise Http404
    return application


def applications_of(*, user: AccountsModel) -> QuerySet[Application]:
    return Application.objects.filter(applicant=user).select_related("need__organisation")


def applications_for_need(*, need: Need) -> QuerySet[Application]:
    return need.applications.select_related("applicant").prefetch_related("bid").order_by("created_at", "pk")


def application_of(*, user: Viewer, need: Need) -> Application | None:
    if user is None or not user.is_authenticated:
        return None
    return Application.objects.filter(need=need, applicant_id=user.pk).first()


def needs_of_organisations(*, user: AccountsModel) -> QuerySet[Need]:
    org_ids = [m.organisation_id for m in accounts_selectors.organisations_of(user=user) if m.status == "active"]
    return Need.objects.filter(organisation_id__in=org_ids).select_related("organisation").order_by("-created_at")


def need_skills(*, need: Need) -> QuerySet[NeedSkill]:
    return need.skills.select_related("skill__domain")


def unread_for_application(*, user: AccountsModel, application: Application) -> int:
    if not application.thread_id:
        return 0
    thread = conversation_selectors.threads_for(user=user).filter(pk=application.thread_id).first()
    # ``unread`` is annotated on every thread by ``threads_for``.
    return int(getattr(thread, "unread", 0)) if thread else 0


# --- browse and search (DG-2) -----------------------------------------------------------


@dataclass
class SearchResult:
    page: Page[Any]
    sort: str
    tokens: list[str]


def _match(qs: QuerySet[Need], q_tokens: list[str]) -> QuerySet[Need]:
    """Restrict to needs matching every token: FTS5 (SQLite) or the GIN-indexed tsvector
    (PostgreSQL)."""
    if connection.vendor == "postgresql":
        return qs.extra(
            where=["needs_need.search_vector @@ to_tsquery('simple', %s)"], params=[search.tsquery(q_tokens)]
        )
    return qs.extra(
        tables=["needs_need_fts"],
        where=["needs_need_fts.rowid = needs_need.id", "needs_need_fts MATCH %s"],
        params=[search.fts5_query(q_tokens)],
    )


def _rank_order(q_tokens: list[str]) -> OrderBy:
    """An ORDER BY expression for relevance (best first)."""
    if connection.vendor == "postgresql":
        rank = RawSQL("ts_rank(needs_need.search_vector, to_tsquery('simple', %s))", [search.tsquery(q_tokens)])
        return rank.desc()
    return RawSQL("bm25(needs_need_fts)", []).asc()  # bm25: lower is better


def _paginate(qs: QuerySet[Need], per_page: int, page: int | str) -> Page[Any]:
    """Page through ids only (narrow rows, no joins), counting the match without ranking
    it, then load the needs of the one page with their organisation and place."""
    paginator = Paginator(qs.values_list("pk", flat=True), per_page)
    paginator.count = qs.order_by().count()
    current = paginator.get_page(page)
    ids = list(current.object_list)
    loaded = Need.objects.select_related("organisation", "division", "city").in_bulk(ids)
    current.object_list = [loaded[pk] for pk in ids if pk in loaded]  # type: ignore[misc]  # ids, then the needs
    return current


def need_search(
    *,
    q: str = "",
    region: str = "",
    types: Sequence[str] = (),
    reward: str = "",
    skills: Sequence[str] = (),
    remote: bool | None = None,
    public_only: bool = False,
    starts_after: datetime | None = None,
    ends_before: datetime | None = None,
    include_closed: bool = False,
    sort: str = "",
    page: int | str = 1,
    per_page: int = 20,
    user: Viewer = None,
) -> SearchResult:
    """One selector for browsing and full-text search on either database.

    ``region`` is a GB/T 2260 code prefix ("43" Hunan, "4301" Changsha); ``skills`` skill
    codes (any of them); sort: relevance (default with a query), newest (default without),
    starting_soon, best_match (needs ``user``: the matching score)."""
    qs = Need.objects.select_related("organisation", "division", "city")
    qs = qs.filter(status__in=PUBLIC_STATUSES) if include_closed else qs.filter(status=Need.Status.PUBLISHED)
    if region:
        try:
            qs = qs.filter(region_code__startswith=normalise_region_prefix(region))
        except ValueError:
            qs = qs.none()
    if types:
        qs = qs.filter(type__in=list(types))
    if reward:
        qs = qs.filter(reward=reward)
    if skills:
        qs = qs.filter(pk__in=NeedSkill.objects.filter(skill__code__in=list(skills)).values("need_id"))
    if remote is not None:
        qs = qs.filter(is_remote=remote)
    if public_only:
        qs = qs.filter(is_public_need=True)
    if starts_after:
        qs = qs.filter(ends_at__gte=starts_after)
    if ends_before:
        qs = qs.filter(starts_at__lte=ends_before)
    q_tokens = search.query_tokens(q)
    if q_tokens:
        qs = _match(qs, q_tokens)
    sort = sort if sort in SORTS else ("relevance" if q_tokens else "newest")
    if sort == "relevance" and not q_tokens:
        sort = "newest"
    per_page = max(1, min(int(per_page or 20), PER_PAGE_MAX))
    if sort == "best_match" and user is not None and user.is_authenticated:
        ordered = _best_match_order(user=user, qs=qs)
        return SearchResult(page=Paginator(ordered, per_page).get_page(page), sort=sort, tokens=q_tokens)
    if sort == "relevance":
        qs = qs.order_by(_rank_order(q_tokens), "-published_at", "-id")
    elif sort == "starting_soon":
        qs = qs.order_by("starts_at", "id")
    else:
        qs = qs.order_by("-published_at", "-id")
    return SearchResult(page=_paginate(qs, per_page, page), sort=sort, tokens=q_tokens)


BEST_MATCH_LIMIT = 2000


def _best_match_order(*, user: AccountsModel, qs: QuerySet[Need]) -> list[Need]:
    """The first BEST_MATCH_LIMIT filtered needs, ordered by the person's matching score."""
    needs = list(qs.order_by("-published_at", "-id")[:BEST_MATCH_LIMIT])
    if not needs:
        return needs
    features = need_features_for([n.pk for n in needs])
    person = person_features(user=user)
    scores, _parts = scoring.score_needs(person.features, features, weights_in_force().as_dict())
    by_id = dict(zip(features.ids.tolist(), scores.tolist(), strict=True))
    for need in needs:
        need.match_score = by_id.get(need.pk, 0.0)  # type: ignore[attr-defined]  # shown beside each result
    return sorted(needs, key=lambda n: (-by_id.get(n.pk, 0.0), -n.pk))


# --- features for matching -------------------------------------------------------------


@dataclass
class Person:
    user: AccountsModel
    features: scoring.PersonFeatures
    scope: Scope
    profile: AccountsModel
    skills: list[AccountsModel]
    interest_ids: set[int] | None = None


def _epoch(value: datetime | None) -> int:
    return int(value.timestamp()) if value else NEVER


# DG-3: what a person looked at and applied to lately is a matching signal; an application
# says more than a look.
BEHAVIOUR_DAYS = 90
APPLICATION_WEIGHT = 3


def engagement_by_type(*, user_ids: list[int], now: datetime | None = None) -> dict[int, np.ndarray]:
    """Per user, weighted counts of the needs they opened or applied to in the last
    BEHAVIOUR_DAYS, by need type (``scoring.NEED_TYPES`` order). Users with none are absent."""
    since = (now or timezone.now()) - timedelta(days=BEHAVIOUR_DAYS)
    counts: dict[int, np.ndarray] = {}
    sources = (
        (NeedView.objects.filter(user_id__in=user_ids, last_viewed_at__gte=since), "user_id", 1),
        (
            Application.objects.filter(applicant_id__in=user_ids, created_at__gte=since),
            "applicant_id",
            APPLICATION_WEIGHT,
        ),
    )
    for queryset, who, weight in sources:
        for user_id, need_type, n in queryset.values_list(who, "need__type").annotate(n=Count("pk")).order_by():
            if need_type in scoring.NEED_TYPES:
                row = counts.setdefault(user_id, np.zeros(len(scoring.NEED_TYPES), np.float32))
                row[scoring.NEED_TYPES.index(need_type)] += weight * n
    return counts


def person_features(*, user: AccountsModel, now: datetime | None = None) -> Person:
    """What matching knows about a person, read from their profile and the ledger."""
    profile = accounts_selectors.profile_for_matching(user=user)
    skills = list(accounts_selectors.profile_skills(user=user))
    skill_levels = {ps.skill_id: ps.level for ps in skills}
    domain_levels: dict[int, int] = {}
    for ps in skills:
        domain_levels[ps.skill.domain_id] = max(domain_levels.get(ps.skill.domain_id, 0), ps.level)
    interest_ids = set(profile.interests.values_list("pk", flat=True))
    interest_mask = 0
    for interest_id in interest_ids:
        interest_mask |= _interest_bit(interest_id)
    hours = accounts_selectors.weekly_hours_by_profile(profile_ids=[profile.pk]).get(profile.pk, 0.0)
    home_division, city = profile.home_division, profile.home_city
    place = home_division or city
    if home_division is not None:
        region, country = int(home_division.code), "CN"
    elif city is not None:
        region, country = (int(city.division.code) if city.division is not None else 0), city.country_code
    else:
        region, country = 0, ""
    standing = ledger_selectors.trust_standing_of(user)
    prefixes = []
    for code in profile.travel_regions.values_list("code", flat=True):
        try:
            prefixes.append(normalise_region_prefix(code))
        except ValueError:
            continue
    features = scoring.PersonFeatures(
        skill_levels=skill_levels,
        domain_levels=domain_levels,
        interest_mask=interest_mask,
        language_mask=_language_mask(profile.languages),
        lat=getattr(place, "latitude", None),
        lon=getattr(place, "longitude", None),
        travel=profile.travel_willingness,
        weekly_hours=hours,
        trust_level=standing.level,
        lifetime_cv=standing.net_credited,
        intentions=tuple(profile.intentions or ()),
    )
    engagement = engagement_by_type(user_ids=[user.pk], now=now).get(user.pk)
    if engagement is not None:
        features.type_interest = scoring.type_interest_of(engagement)
    excluded = set(Application.objects.filter(applicant=user).values_list("need_id", flat=True))
    org_ids = [m.organisation_id for m in accounts_selectors.organisations_of(user=user) if m.status == "active"]
    if org_ids:
        excluded |= set(
            Need.objects.filter(organisation_id__in=org_ids, status=Need.Status.PUBLISHED).values_list("pk", flat=True)
        )
    scope = Scope(
        now=int((now or timezone.now()).timestamp()),
        domains=tuple(sorted(domain_levels)),
        country=country,
        region=region,
        lat=features.lat,
        lon=features.lon,
        travel=profile.travel_willingness,
        travel_prefixes=tuple(prefixes),
        lifetime_cv=standing.net_credited,
        exclude_ids=tuple(sorted(excluded)),
    )
    return Person(user=user, features=features, scope=scope, profile=profile, skills=skills, interest_ids=interest_ids)


NEED_COLUMNS = (
    "id",
    "latitude",
    "longitude",
    "is_remote",
    "region_code",
    "country_code",
    "hours_per_week",
    "reward",
    "type",
    "cv_threshold",
    "ends_at",
    "application_deadline",
    "working_languages",
    "language",
)


def _arrays_from_rows(
    rows: list[tuple[Any, ...]],
    skills_by_need: dict[int, list[tuple[int, int, int]]],
    interests_by_need: dict[int, int],
) -> tuple[scoring.NeedArrays, NeedColumns, list[str]]:
    n = len(rows)
    countries: list[str] = []
    country_slot: dict[str, int] = {}
    ids = np.empty(n, np.int64)
    lat = np.full(n, np.nan)
    lon = np.full(n, np.nan)
    remote = np.zeros(n, bool)
    region = np.zeros(n, np.int32)
    country = np.zeros(n, np.int16)
    hpw = np.full(n, np.nan, np.float32)
    reward = np.zeros(n, np.int8)
    types = np.zeros(n, np.int8)
    cv = np.zeros(n, np.int64)
    ends = np.zeros(n, np.int64)
    deadline = np.full(n, NEVER, np.int64)
    languages = np.zeros(n, np.uint64)
    interests = np.zeros(n, np.uint64)
    skill_ids = np.full((n, K_SKILLS), -1, np.int32)
    skill_domains = np.full((n, K_SKILLS), -1, np.int32)
    skill_levels = np.zeros((n, K_SKILLS), np.int8)
    reward_index = {r: i for i, r in enumerate(scoring.REWARDS)}
    type_index = {t: i for i, t in enumerate(scoring.NEED_TYPES)}
    for i, (pk, la, lo, rem, reg, cc, hours, rew, typ, thr, end, dl, wl, lang) in enumerate(rows):
        ids[i] = pk
        if la is not None and lo is not None:
            lat[i], lon[i] = la, lo
        remote[i] = bool(rem)
        region[i] = int(reg) if reg else 0
        if cc not in country_slot:
            country_slot[cc] = len(countries)
            countries.append(cc)
        country[i] = country_slot[cc]
        if hours is not None:
            hpw[i] = float(hours)
        reward[i] = reward_index.get(rew, 0)
        types[i] = type_index.get(typ, 0)
        cv[i] = thr or 0
        ends[i] = _epoch(end)
        deadline[i] = _epoch(dl)
        if isinstance(wl, str):
            wl = json.loads(wl or "[]")
        languages[i] = _language_mask(wl or [lang])
        interests[i] = interests_by_need.get(pk, 0)
        for j, (skill_id, domain_id, level) in enumerate(skills_by_need.get(pk, ())[:K_SKILLS]):
            skill_ids[i, j], skill_domains[i, j], skill_levels[i, j] = skill_id, domain_id, level
    features = scoring.NeedArrays(
        ids=ids,
        skill_ids=skill_ids,
        skill_domains=skill_domains,
        skill_levels=skill_levels,
        interest_mask=interests,
        language_mask=languages,
        lat=lat,
        lon=lon,
        remote=remote,
        hours_per_week=hpw,
        reward=reward,
        type=types,
    )
    columns = NeedColumns(region=region, country=country, ends_at=ends, deadline=deadline, cv_threshold=cv)
    return features, columns, countries


def _load(need_qs: QuerySet[Need]) -> tuple[scoring.NeedArrays, NeedColumns, list[str]]:
    rows = list(need_qs.order_by("pk").values_list(*NEED_COLUMNS))
    ids = [r[0] for r in rows]
    skills_by_need: dict[int, list[tuple[int, int, int]]] = {}
    interests_by_need: dict[int, int] = {}
    chunk = 50_000
    for start in range(0, len(ids), chunk):
        lo, hi = ids[start], ids[min(len(ids), start + chunk) - 1]
        id_filter = {"need_id__gte": lo, "need_id__lte": hi}
        for need_id, skill_id, domain_id, level in (
            NeedSkill.objects.filter(**id_filter)
            .values_list("need_id", "skill_id", "skill__domain_id", "level")
            .order_by("need_id", "-level", "skill_id")
        ):
            skills_by_need.setdefault(need_id, []).append((skill_id, domain_id, level))
        through = Need.interests.through
        for need_id, interest_id in through.objects.filter(**id_filter).values_list("need_id", "interest_id"):
            interests_by_need[need_id] = interests_by_need.get(need_id, 0) | _interest_bit(interest_id)
    return _arrays_from_rows(rows, skills_by_need, interests_by_need)


def need_features_for(need_ids: list[int]) -> scoring.NeedArrays:
    features, _columns, _countries = _load(Need.objects.filter(pk__in=need_ids))
    return features


# --- the index of open needs (cached per process) ---------------------------------------

REBUILD_SECONDS = 600
# Changes committed out of order (a slow transaction) are caught by re-reading this much
# before the watermark; the periodic full rebuild catches anything else.
WATERMARK_OVERLAP = timedelta(seconds=60)
_cache: dict[str, Any] = {}
_cache_lock = threading.Lock()


def _open_needs(now: datetime) -> QuerySet[Need]:
    return Need.objects.filter(status=Need.Status.PUBLISHED, ends_at__gt=now)


def needs_index_reset() -> None:
    with _cache_lock:
        _cache.clear()


def need_index(*, now: datetime | None = None) -> NeedIndex:
    """The process's index of open needs, refreshed from ``updated_at``: a delta when
    needs changed since the last look, a full build every REBUILD_SECONDS or when many
    rows were appended."""
    now = now or timezone.now()
    latest = Need.objects.aggregate(m=Max("updated_at"))["m"]
    with _cache_lock:
        index: NeedIndex | None = _cache.get("index")
        stale = (
            index is None
            or _cache.get("alias") != connection.settings_dict.get("NAME")
            or time.monotonic() - _cache["built"] > REBUILD_SECONDS
            or index.appended_rows > max(1000, index.base_rows // 20)
            or (latest is not None and _cache["watermark"] is not None and latest < _cache["watermark"])
        )
        if index is None or stale:
            features, columns, countries = _load(_open_needs(now))
            index = NeedIndex(features=features, columns=columns, countries=countries)
            _cache.update(
                index=index,
                built=time.monotonic(),
                watermark=latest,
                alias=connection.settings_dict.get("NAME"),
            )
        elif latest is not None and (_cache["watermark"] is None or latest > _cache["watermark"]):
            since = (_cache["watermark"] or latest) - WATERMARK_OVERLAP
            changed = list(Need.objects.filter(updated_at__gt=since).values_list("pk", flat=True))
            index.remove(changed)
            features, columns, countries = _load(_open_needs(now).filter(pk__in=changed))
            if len(features):
                index.append(features, columns, countries)
            _cache["watermark"] = latest
        return index


# --- recommendations (DG-3, BX-2) ------------------------------------------------------


@dataclass
class Recommendation:
    need: Need | None
    person: AccountsModel | None
    score: float
    parts: list[dict[str, Any]]


def recommended_needs(*, user: AccountsModel, limit: int = 10, now: datetime | None = None) -> list[Recommendation]:
    """The best open needs for ``user``, each with its score's parts explained."""
    person = person_features(user=user, now=now)
    weights = weights_in_force().as_dict()
    index = need_index(now=now)
    ids, scores, parts = index.recommend(person.features, person.scope, weights, k=limit)
    needs = {
        n.pk: n
        for n in Need.objects.select_related("organisation", "division", "city")
        .prefetch_related("skills__skill__domain", "interests")
        .filter(pk__in=ids.tolist(), status=Need.Status.PUBLISHED)
    }
    out = []
    for need_id, score, row in zip(ids.tolist(), scores.tolist(), parts, strict=True):
        need = needs.get(need_id)
        if need is not None:
            out.append(
                Recommendation(
                    need=need,
                    person=None,
                    score=score,
                    parts=explain.need_parts(person=person, need=need, parts=row, weights=weights),
                )
            )
    return out


PEOPLE_CANDIDATES_MAX = 5000


def _people_arrays(profile_ids: list[int]) -> tuple[scoring.PeopleArrays, dict[int, AccountsModel]]:
    profiles = accounts_selectors.profiles_for_matching(profile_ids=profile_ids)
    order = sorted(profiles)
    m = len(order)
    max_skill, max_domain = accounts_selectors.skill_id_bounds()
    skill_matrix = np.zeros((m, max_skill + 1), np.int8)
    domain_matrix = np.zeros((m, max_domain + 1), np.int8)
    row_of = {pk: i for i, pk in enumerate(order)}
    for profile_id, skill_id, domain_id, level in accounts_selectors.profile_skill_rows(profile_ids=order):
        i = row_of[profile_id]
        skill_matrix[i, skill_id] = level
        domain_matrix[i, domain_id] = max(domain_matrix[i, domain_id], level)
    hours = np.zeros(m, np.float32)
    for profile_id, weekly in accounts_selectors.weekly_hours_by_profile(profile_ids=order).items():
        hours[row_of[profile_id]] = weekly
    lat, lon = np.full(m, np.nan), np.full(m, np.nan)
    radius, interests, languages = (
        np.zeros(m, np.float32),
        np.zeros(m, np.uint64),
        np.zeros(m, np.uint64),
    )
    trust = np.ones(m, np.int8)
    reward_aff = np.zeros((m, len(scoring.REWARDS)), np.float32)
    type_aff = np.zeros((m, len(scoring.NEED_TYPES)), np.float32)
    for i, pk in enumerate(order):
        profile = profiles[pk]
        place = profile.home_division or profile.home_city
        if place is not None and place.latitude is not None:
            lat[i], lon[i] = place.latitude, place.longitude
        radius[i] = scoring.TRAVEL_RADIUS_KM.get(profile.travel_willingness, 30.0)
        mask = 0
        for interest in profile.interests.all():
            mask |= _interest_bit(interest.pk)
        interests[i] = mask
        languages[i] = _language_mask(profile.languages)
        trust[i] = ledger_selectors.trust_level_of(profile.user)
        reward_aff[i], type_aff[i], _known = scoring.reward_affinity(profile.intentions or ())
    # A person's browsing never ranks them for a poster (item 7): it is not even read here.
    type_interest = np.full((m, len(scoring.NEED_TYPES)), np.nan, np.float32)
    people = scoring.PeopleArrays(
        user_ids=np.array([profiles[pk].user_id for pk in order], np.int64),
        skill_matrix=skill_matrix,
        domain_matrix=domain_matrix,
        interest_mask=interests,
        language_mask=languages,
        lat=lat,
        lon=lon,
        radius_km=radius,
        weekly_hours=hours,
        trust_level=trust,
        reward_aff=reward_aff,
        type_aff=type_aff,
        type_interest=type_interest,
    )
    return people, {profiles[pk].user_id: profiles[pk] for pk in order}


class CandidatesHidden(PermissionDenied):
    """The viewer may not see the people suggested for a need (issue 12, item 7)."""

    code = "needs.candidates.not_allowed"


def candidates_refusal(*, user: AccountsModel, need: Need) -> CandidatesHidden | None:
    """Why ``user``, who manages ``need``, may not see the people suggested for it, or None.

    Suggested people are shown to members of verified organisations and to posters whose
    trust level reaches the dated threshold (``accounts.DisclosureRule``, L3 by default):
    a new, unverified organisation cannot read people it has no relation with."""
    rule = accounts_selectors.disclosure_rule_in_force()
    if rule.verified_organisations_see_candidates and need.organisation.verification_status == "verified":
        return None
    if ledger_selectors.trust_level_of(user) >= rule.candidates_min_trust_level:
        return None
    return CandidatesHidden(
        _(
            "Suggested people are shown to verified organisations and to posters at trust level "
            "L%(level)d or higher. Ask a moderator to verify your organisation; meanwhile people "
            "find your need among their own recommendations and apply."
        )
        % {"level": rule.candidates_min_trust_level}
    )


def candidates_check(*, user: AccountsModel, need: Need) -> None:
    """Raise ``CandidatesHidden`` (403 with its reason and code) unless ``user`` may see
    the people suggested for ``need``."""
    refusal = candidates_refusal(user=user, need=need)
    if refusal is not None:
        raise refusal


def _candidate_profiles(need: Need) -> QuerySet[Any]:
    """Profiles that may be suggested for ``need``: active people who agreed to be suggested
    (purpose ``matching``), have a skill in one of the need's skill domains (any, when it
    asks for none), have not applied and are not in the posting organisation."""
    domains = list(need.skills.values_list("skill__domain_id", flat=True))
    return accounts_selectors.suggestable_profiles(
        excluding_users=need.applications.values("applicant_id"), outside=need.organisation, domain_ids=domains
    )


def recommended_people(*, need: Need, limit: int = 10) -> list[Recommendation]:
    """The best people for ``need`` (``_candidate_profiles``), with reasons in the poster's
    words. The caller has checked ``candidates_check``.

    What a person looked at and applied to ranks needs for them, never them for a poster:
    the behaviour part is left out of the score and of the reasons (docs/MATCHING.md)."""
    profile_ids = list(_candidate_profiles(need).values_list("pk", flat=True).distinct()[:PEOPLE_CANDIDATES_MAX])
    return _score_people(need=need, profile_ids=profile_ids, limit=limit)


def _score_people(*, need: Need, profile_ids: list[int], limit: int) -> list[Recommendation]:
    if not profile_ids:
        return []
    people, profiles = _people_arrays(profile_ids)
    features = need_features_for([need.pk])
    weights = scoring.candidate_weights(weights_in_force().as_dict())
    scores, parts = scoring.score_people(features, people, weights)
    best = scoring.top_k(scores, people.user_ids, limit)
    out = []
    for row in best.tolist():
        profile = profiles[int(people.user_ids[row])]
        out.append(
            Recommendation(
                need=need,
                person=profile.user,
                score=float(scores[row]),
                parts=explain.candidate_parts(
                    profile=profile,
                    need=need,
                    parts=parts[row],
                    weights=weights,
                    weekly_hours=float(people.weekly_hours[row]),
                    trust_level=int(people.trust_level[row]),
                ),
            )
        )
    return out


def candidate_get(*, need: Need, user_id: int) -> tuple[Recommendation, dict[str, Any]]:
    """One suggested person of ``need`` with the reasons and the profile fields a poster may
    see (``accounts.selectors.candidate_profile`` and the trust level). Http404 when the
    person is not (or no longer) a candidate of this need: nobody's profile can be probed
    through a need. The caller has checked ``candidates_check`` and logs the opening."""
    profile_ids = list(_candidate_profiles(need).filter(user_id=user_id).values_list("pk", flat=True)[:1])
    recs = _score_people(need=need, profile_ids=profile_ids, limit=1)
    person = recs[0].person if recs else None
    if person is None:
        raise Http404
    details = accounts_selectors.candidate_profile(user=person)
    details["trust_level"] = ledger_selectors.trust_level_of(person)
    return recs[0], details


def matching_rules() -> dict[str, Any]:
    """What /needs/how-matching-works/ publishes: the weights in force and the constants."""
    weights = weights_in_force()
    return {
        "weights": weights,
        "weights_dict": weights.as_dict(),
        "radius": scoring.TRAVEL_RADIUS_KM,
        "same_domain_credit": scoring.SAME_DOMAIN_CREDIT,
        "neutral": scoring.NEUTRAL,
        "intention_reward": scoring.INTENTION_REWARD,
        "intention_type": scoring.INTENTION_TYPE,
        "behaviour_days": BEHAVIOUR_DAYS,
        "application_weight": APPLICATION_WEIGHT,
    }


def open_needs_q(now: datetime | None = None) -> Q:
    now = now or timezone.now()
    return Q(status=Need.Status.PUBLISHED, ends_at__gt=now)


# Which service need of a registered person (assistance.ServiceNeed) a need answers.
SERVICE_NEED_OF_TYPE: dict[str, str] = {Need.Type.TRAINING: "training", Need.Type.STARTUP: "startup"}


class Opportunity(TypedDict):
    ref: str
    title: str
    region_code: str
    skills: list[str]
    service_need: str


def opportunities_for_discovery(*, region_prefix: str, limit: int) -> list[Opportunity]:
    """Open, placed needs under a GB/T 2260 prefix, newest first, for the assistance app's
    proactive discovery (GV-4): the contract of ``assistance.opportunities``. Training and
    start-up needs answer those service needs; every other kind is participation on the
    way to a job."""
    needs = list(
        Need.objects.filter(open_needs_q(), is_remote=False, region_code__startswith=region_prefix)
        .exclude(region_code="")
        .order_by("-published_at", "-id")[:limit]
    )
    skills: dict[int, list[str]] = {}
    for need_id, code in NeedSkill.objects.filter(need__in=needs).values_list("need_id", "skill__code"):
        skills.setdefault(need_id, []).append(code)
    return [
        {
            "ref": f"needs.need:{need.pk}",
            "title": need.title,
            "region_code": need.region_code,
            "skills": skills.get(need.pk, []),
            "service_need": SERVICE_NEED_OF_TYPE.get(need.type, "job"),
        }
        for need in needs
    ]

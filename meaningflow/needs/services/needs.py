"""Needs themselves: create and change them (validation, place, skills, search document) and
remember who looked at which (DG-3's browsing signal). Their state machine is in
``transitions``."""

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from meaningflow.accounts import selectors as accounts_selectors
from meaningflow.accounts.models import Interest, Organisation, Skill, User
from meaningflow.core import transactions
from meaningflow.core.services import audit_log
from meaningflow.core.validators import EVENT, check_datetime
from meaningflow.needs import search
from meaningflow.needs.models import DESCRIPTION_MAX, Need, NeedSkill, NeedView
from meaningflow.needs.services.common import _require_manager
from meaningflow.needs.services.transitions import need_transition
from meaningflow.places.models import City, Division

MAX_SKILLS = 8


def _place_fields(*, is_remote: bool, division: Division | None, city: City | None) -> dict:
    if division is not None and city is not None:
        raise ValidationError({"city": [_("Choose a region in China or a city abroad, not both.")]})
    place = division or city
    if place is None:
        return {"region_code": "", "country_code": "", "latitude": None, "longitude": None}
    if isinstance(place, Division):
        region, country = place.code, "CN"
    else:
        region, country = (place.division.code if place.division_id else ""), place.country_code
    return {
        "region_code": region,
        "country_code": country,
        "latitude": place.latitude,
        "longitude": place.longitude,
    }


def _skills_resolve(skills: list[tuple[str, int]]) -> list[tuple[Skill, int]]:
    if len(skills) > MAX_SKILLS:
        raise ValidationError({"skills": [_("Ask for at most %(n)d skills.") % {"n": MAX_SKILLS}]})
    codes = [code for code, _level in skills]
    if len(set(codes)) != len(codes):
        raise ValidationError({"skills": [_("Each skill can be listed only once.")]})
    found = {s.code: s for s in Skill.objects.filter(code__in=codes)}
    unknown = [code for code in codes if code not in found]
    if unknown:
        raise ValidationError({"skills": [_("Unknown skill: %(codes)s") % {"codes": ", ".join(unknown)}]})
    resolved = []
    for code, level in skills:
        if not isinstance(level, int) or not 1 <= level <= 5:
            raise ValidationError({"skills": [_("Skill levels go from 1 to 5.")]})
        resolved.append((found[code], level))
    return resolved


def _dates_validate(need: Need) -> None:
    """Every date of the need in the window of activities (a start in the year 10000 once
    was stored and broke every page showing it); checked first, as the other checks
    compare the dates."""
    errors: dict[str, list] = {}
    for name in ("starts_at", "ends_at", "application_deadline"):
        try:
            setattr(need, name, check_datetime(getattr(need, name), window=EVENT))
        except ValidationError as exc:
            errors[name] = exc.error_list
    if errors:
        raise ValidationError(errors)


def _need_validate(need: Need) -> None:
    _dates_validate(need)
    errors: dict[str, list[str]] = {}
    if len(need.description or "") > DESCRIPTION_MAX:
        errors["description"] = [_("The description can be at most %(n)d characters long.") % {"n": DESCRIPTION_MAX}]
    if need.starts_at and need.ends_at and need.ends_at <= need.starts_at:
        errors["ends_at"] = [_("The end must be after the start.")]
    if need.application_deadline and need.ends_at and need.application_deadline > need.ends_at:
        errors["application_deadline"] = [_("Applications must close before the need ends.")]
    if need.places is not None and need.places < 1:
        errors["places"] = [_("There must be at least one place.")]
    if not need.is_remote and not need.division_id and not need.city_id:
        errors["division"] = [_("Choose where it takes place, or mark it as remote.")]
    if need.is_public_need and not need.public_category:
        errors["public_category"] = [_("Choose the category of the public need.")]
    if not need.is_public_need and need.public_category:
        errors["public_category"] = [_("Only government public needs have a public category.")]
    if need.money_amount is not None:
        if need.money_amount < 0:
            errors["money_amount"] = [_("The amount cannot be negative.")]
        if not need.money_currency or len(need.money_currency) != 3 or not need.money_currency.isalpha():
            errors["money_currency"] = [_("Give a three-letter currency code (e.g. CNY) with the amount.")]
    for code in need.working_languages or []:
        if code not in accounts_selectors.language_codes():
            errors.setdefault("working_languages", []).append(_("Unknown language: %(code)s") % {"code": code})
    if errors:
        raise ValidationError(errors)
    need.money_currency = (need.money_currency or "").upper()
    try:
        need.full_clean(exclude=["organisation", "created_by", "search_document", "interests"])
    except ValidationError as exc:
        raise ValidationError(exc.message_dict) from exc


def need_search_document(need: Need) -> str:
    skills = [f"{ns.skill.name_zh} {ns.skill.name_en}" for ns in need.skills.select_related("skill")]
    place = need.place
    texts = [
        need.title_zh,
        need.title_en,
        need.description,
        *skills,
        need.organisation.name,
        need.organisation.name_en,
    ]
    if place is not None:
        texts += [place.name_zh, place.name_en]
    return search.document(title=need.title, texts=[t for t in texts if t])


def _search_sync(need: Need) -> None:
    need.search_document = need_search_document(need)
    Need.objects.filter(pk=need.pk).update(search_document=need.search_document)
    search.index_update(need_id=need.pk, document_text=need.search_document)


NEED_FIELDS = (
    "type",
    "language",
    "title",
    "description",
    "title_zh",
    "title_en",
    "working_languages",
    "is_remote",
    "division",
    "city",
    "starts_at",
    "ends_at",
    "application_deadline",
    "hours_per_week",
    "total_hours",
    "places",
    "reward",
    "reward_note",
    "money_amount",
    "money_currency",
    "cv_threshold",
    "source",
    "is_public_need",
    "public_category",
    "subsidy_note",
    "allocation",
    "impact_people",
)


@transactions.entry_point
def need_create(
    *,
    actor: User,
    organisation: Organisation,
    type: str,
    title: str,
    description: str,
    language: str,
    starts_at: datetime,
    ends_at: datetime,
    skills: list[tuple[str, int]] = (),
    interests: list[str] = (),
    publish: bool = False,
    **fields,
) -> Need:
    """Create a need of ``organisation`` (draft, or published with ``publish=True``).

    ``skills`` are (skill code, minimum level) pairs; ``interests`` interest codes; other
    keyword arguments are Need fields (see NEED_FIELDS). Raises PermissionDenied unless the
    actor is an active member of the organisation; ValidationError (and nothing is saved)
    for bad input: end before start, no places, unknown skills, oversized text …
    """
    unknown = set(fields) - set(NEED_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown field: %(names)s") % {"names": ", ".join(sorted(unknown))})
    if not accounts_selectors.user_is_active_member(user=actor, organisation=organisation):
        raise PermissionDenied(_("Only members of the organisation can post needs for it."))
    with transactions.atomic():
        need = Need(
            organisation=organisation,
            created_by=actor,
            type=type,
            title=(title or "").strip(),
            description=(description or "").strip(),
            language=language,
            starts_at=starts_at,
            ends_at=ends_at,
            **fields,
        )
        for name, value in _place_fields(is_remote=need.is_remote, division=need.division, city=need.city).items():
            setattr(need, name, value)
        _need_validate(need)
        resolved = _skills_resolve(list(skills))
        need.save()
        NeedSkill.objects.bulk_create([NeedSkill(need=need, skill=skill, level=level) for skill, level in resolved])
        if interests:
            need.interests.set(Interest.objects.filter(code__in=list(interests)))
        _search_sync(need)
        audit_log(
            actor=actor,
            action="needs.need.created",
            subject=need.subject,
            region_code=need.region_code,
        )
        if publish:
            need = need_transition(need=need, action="publish", actor=actor)
    return need


@transactions.entry_point
def need_update(
    *,
    actor: User,
    need: Need,
    skills: list[tuple[str, int]] | None = None,
    interests: list[str] | None = None,
    **changes,
) -> Need:
    """Change a draft or published need. Same checks as ``need_create``; places cannot go
    below the places already filled."""
    unknown = set(changes) - set(NEED_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown field: %(names)s") % {"names": ", ".join(sorted(unknown))})
    with transactions.atomic():
        need = Need.objects.select_for_update(no_key=True, of=("self",)).select_related("organisation").get(pk=need.pk)
        _require_manager(actor=actor, need=need)
        if need.status not in (Need.Status.DRAFT, Need.Status.PUBLISHED):
            raise ValidationError(_("Only draft or published needs can be changed."))
        for name, value in changes.items():
            setattr(
                need,
                name,
                value.strip() if isinstance(value, str) and name in ("title", "description") else value,
            )
        for name, value in _place_fields(is_remote=need.is_remote, division=need.division, city=need.city).items():
            setattr(need, name, value)
        _need_validate(need)
        if need.places < need.filled_places:
            raise ValidationError({"places": [_("%(n)d places are already filled.") % {"n": need.filled_places}]})
        need.save()
        if skills is not None:
            resolved = _skills_resolve(list(skills))
            need.skills.all().delete()
            NeedSkill.objects.bulk_create([NeedSkill(need=need, skill=s, level=lv) for s, lv in resolved])
        if interests is not None:
            need.interests.set(Interest.objects.filter(code__in=list(interests)))
        _search_sync(need)
        audit_log(
            actor=actor,
            action="needs.need.updated",
            subject=need.subject,
            region_code=need.region_code,
            data={"fields": sorted(changes)},
        )
    return need


def need_view_record(*, user, need: Need, now: datetime | None = None) -> None:
    """Remember that ``user`` opened ``need`` (DG-3's browsing signal): one row per person
    and need, its time moved forward; idempotent and safe beside a concurrent view."""
    NeedView.objects.bulk_create(
        [NeedView(user=user, need=need, last_viewed_at=now or timezone.now())],
        update_conflicts=True,
        unique_fields=["user", "need"],
        update_fields=["last_viewed_at"],
    )


def need_views_forget(*, user) -> int:
    """Erase what ``user`` looked at; matching then treats that part as neutral."""
    deleted, _details = NeedView.objects.filter(user=user).delete()
    audit_log(actor=user, action="needs.views.forgotten", subject=f"accounts.user:{user.pk}", data={"rows": deleted})
    return deleted


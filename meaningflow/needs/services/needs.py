"""Needs themselves: create and change them (validation, place, skills, search document) and
remember who looked at which (DG-3's browsing signal). Their state machine is in
``transitions``."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from meaningflow.accounts import selectors as accounts_selectors
from meaningflow.core import transactions
from meaningflow.core.errors import Forbidden
from meaningflow.core.services import audit_log
from meaningflow.core.validators import EVENT, check_datetime
from meaningflow.needs import search
from meaningflow.needs.models import DESCRIPTION_MAX, Need, NeedSkill, NeedView
from meaningflow.needs.services.common import AccountsModel, Person, _require_manager
from meaningflow.needs.services.transitions import need_transition

MAX_SKILLS = 8


def _place_fields(*, need: Need) -> dict[str, Any]:
    """The region, country and coordinates of the need's place: a division in China or a
    city abroad (a city's division, when it has one, gives the region)."""
    division, city = need.division, need.city
    if division is not None and city is not None:
        raise ValidationError(
            {"city": ValidationError(_("Choose a region in China or a city abroad, not both."), code="need.two_places")}
        )
    place = division or city
    if place is None:
        return {"region_code": "", "country_code": "", "latitude": None, "longitude": None}
    if division is not None:
        region, country = division.code, "CN"
    else:
        assert city is not None  # noqa: S101 - one of the two is set (checked above)
        region, country = (city.division.code if city.division is not None else ""), city.country_code
    return {
        "region_code": region,
        "country_code": country,
        "latitude": place.latitude,
        "longitude": place.longitude,
    }


def _skills_error(message: str, code: str) -> ValidationError:
    return ValidationError({"skills": ValidationError(message, code=code)})


def _skills_resolve(skills: list[tuple[str, int]]) -> list[tuple[AccountsModel, int]]:
    if len(skills) > MAX_SKILLS:
        raise _skills_error(_("Ask for at most %(n)d skills.") % {"n": MAX_SKILLS}, "need.too_many_skills")
    codes = [code for code, _level in skills]
    if len(set(codes)) != len(codes):
        raise _skills_error(_("Each skill can be listed only once."), "need.skill_repeated")
    found = accounts_selectors.skills_by_code(codes=codes)
    unknown = [code for code in codes if code not in found]
    if unknown:
        raise _skills_error(_("Unknown skill: %(codes)s") % {"codes": ", ".join(unknown)}, "need.skill_unknown")
    resolved: list[tuple[AccountsModel, int]] = []
    for code, level in skills:
        if not isinstance(level, int) or not 1 <= level <= 5:
            raise _skills_error(_("Skill levels go from 1 to 5."), "need.skill_level_invalid")
        resolved.append((found[code], level))
    return resolved


def _dates_validate(need: Need) -> None:
    """Every date of the need in the window of activities (a start in the year 10000 once
    was stored and broke every page showing it); checked first, as the other checks
    compare the dates."""
    errors: dict[str, list[ValidationError]] = {}
    for name in ("starts_at", "ends_at", "application_deadline"):
        try:
            setattr(need, name, check_datetime(getattr(need, name), window=EVENT))
        except ValidationError as exc:
            errors[name] = exc.error_list
    if errors:
        raise ValidationError(errors)


def _need_validate(need: Need) -> None:
    _dates_validate(need)
    errors: dict[str, list[ValidationError]] = {}

    def refuse(field: str, message: str, code: str) -> None:
        errors.setdefault(field, []).append(ValidationError(message, code=code))

    if len(need.description or "") > DESCRIPTION_MAX:
        refuse(
            "description",
            _("The description can be at most %(n)d characters long.") % {"n": DESCRIPTION_MAX},
            "need.description_too_long",
        )
    if need.starts_at and need.ends_at and need.ends_at <= need.starts_at:
        refuse("ends_at", _("The end must be after the start."), "need.ends_before_start")
    if need.application_deadline and need.ends_at and need.application_deadline > need.ends_at:
        refuse("application_deadline", _("Applications must close before the need ends."), "need.deadline_after_end")
    if need.places is not None and need.places < 1:
        refuse("places", _("There must be at least one place."), "need.no_places")
    if not need.is_remote and not need.division_id and not need.city_id:
        refuse("division", _("Choose where it takes place, or mark it as remote."), "need.no_place")
    if need.is_public_need and not need.public_category:
        refuse("public_category", _("Choose the category of the public need."), "need.public_category_missing")
    if not need.is_public_need and need.public_category:
        errors["public_category"] = [
            ValidationError(
                _("Only government public needs have a public category."), code="need.public_category_not_public"
            )
        ]
    if need.money_amount is not None:
        if need.money_amount < 0:
            refuse("money_amount", _("The amount cannot be negative."), "need.money_negative")
        if not need.money_currency or len(need.money_currency) != 3 or not need.money_currency.isalpha():
            refuse(
                "money_currency",
                _("Give a three-letter currency code (e.g. CNY) with the amount."),
                "need.currency_invalid",
            )
    for code in need.working_languages or []:
        if code not in accounts_selectors.language_codes():
            refuse("working_languages", _("Unknown language: %(code)s") % {"code": code}, "need.language_unknown")
    if errors:
        raise ValidationError(errors)
    need.money_currency = (need.money_currency or "").upper()
    try:
        need.full_clean(exclude=["organisation", "created_by", "search_document", "interests"])
    except ValidationError as exc:
        # Django's own codes (max_length, invalid_choice, …) stay with each field's error.
        raise ValidationError(exc.error_dict) from exc


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


# The fields of a need that a poster sets, in the order the form shows them; the form
# (``forms.NeedForm``) is built from this list, so the two cannot drift apart.
NEED_FIELDS = (
    "type",
    "language",
    "title",
    "title_zh",
    "title_en",
    "description",
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
    "allocation",
    "reward",
    "reward_note",
    "money_amount",
    "money_currency",
    "cv_threshold",
    "source",
    "is_public_need",
    "public_category",
    "subsidy_note",
    "impact_people",
)


def _unknown_fields(names: set[str]) -> None:
    unknown = names - set(NEED_FIELDS)
    if unknown:
        raise ValidationError(
            _("Unknown field: %(names)s") % {"names": ", ".join(sorted(unknown))}, code="need.field_unknown"
        )


@transactions.entry_point
def need_create(
    *,
    actor: Person,
    organisation: AccountsModel,
    type: str,
    title: str,
    description: str,
    language: str,
    starts_at: datetime,
    ends_at: datetime,
    skills: Sequence[tuple[str, int]] = (),
    interests: Sequence[str] = (),
    publish: bool = False,
    **fields: Any,
) -> Need:
    """Create a need of ``organisation`` (draft, or published with ``publish=True``).

    ``skills`` are (skill code, minimum level) pairs; ``interests`` interest codes; other
    keyword arguments are Need fields (see NEED_FIELDS). Raises PermissionDenied unless the
    actor is an active member of the organisation; ValidationError (and nothing is saved)
    for bad input: end before start, no places, unknown skills, oversized text …
    """
    _unknown_fields(set(fields))
    if not accounts_selectors.user_is_active_member(user=actor, organisation=organisation):
        raise Forbidden(_("Only members of the organisation can post needs for it."), code="need.not_member")
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
        for name, value in _place_fields(need=need).items():
            setattr(need, name, value)
        _need_validate(need)
        resolved = _skills_resolve(list(skills))
        need.save()
        NeedSkill.objects.bulk_create([NeedSkill(need=need, skill=skill, level=level) for skill, level in resolved])
        if interests:
            need.interests.set(accounts_selectors.interests_by_code(codes=list(interests)))
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
    actor: Person,
    need: Need,
    skills: Sequence[tuple[str, int]] | None = None,
    interests: Sequence[str] | None = None,
    **changes: Any,
) -> Need:
    """Change a draft or published need. Same checks as ``need_create``; places cannot go
    below the places already filled."""
    _unknown_fields(set(changes))
    with transactions.atomic():
        need = Need.objects.select_for_update(no_key=True, of=("self",)).select_related("organisation").get(pk=need.pk)
        _require_manager(actor=actor, need=need)
        if need.status not in (Need.Status.DRAFT, Need.Status.PUBLISHED):
            raise ValidationError(_("Only draft or published needs can be changed."), code="need.not_editable")
        for name, value in changes.items():
            setattr(
                need,
                name,
                value.strip() if isinstance(value, str) and name in ("title", "description") else value,
            )
        for name, value in _place_fields(need=need).items():
            setattr(need, name, value)
        _need_validate(need)
        if need.places < need.filled_places:
            raise ValidationError(
                {
                    "places": ValidationError(
                        _("%(n)d places are already filled.") % {"n": need.filled_places},
                        code="need.places_below_filled",
                    )
                }
            )
        need.save()
        if skills is not None:
            resolved = _skills_resolve(list(skills))
            need.skills.all().delete()
            NeedSkill.objects.bulk_create([NeedSkill(need=need, skill=s, level=lv) for s, lv in resolved])
        if interests is not None:
            need.interests.set(accounts_selectors.interests_by_code(codes=list(interests)))
        _search_sync(need)
        audit_log(
            actor=actor,
            action="needs.need.updated",
            subject=need.subject,
            region_code=need.region_code,
            data={"fields": sorted(changes)},
        )
    return need


def need_view_record(*, user: Person, need: Need, now: datetime | None = None) -> None:
    """Remember that ``user`` opened ``need`` (DG-3's browsing signal): one row per person
    and need, its time moved forward; idempotent and safe beside a concurrent view."""
    NeedView.objects.bulk_create(
        [NeedView(user=user, need=need, last_viewed_at=now or timezone.now())],
        update_conflicts=True,
        unique_fields=["user", "need"],
        update_fields=["last_viewed_at"],
    )


def need_views_forget(*, user: Person) -> int:
    """Erase what ``user`` looked at; matching then treats that part as neutral."""
    deleted, _details = NeedView.objects.filter(user=user).delete()
    audit_log(actor=user, action="needs.views.forgotten", subject=f"accounts.user:{user.pk}", data={"rows": deleted})
    return deleted

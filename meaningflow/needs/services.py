"""Writes of the Dream Garden: needs, applications, bids, lotteries, completion (DG-1…7).

Two state machines, each a transitions table and one function that applies a move:
``need_transition`` and ``application_transition``. Lock order everywhere: the need row,
then application rows in id order (docs/MATCHING.md, "Allocation and locking").
"""

import secrets
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from meaningflow.accounts import selectors as accounts_selectors
from meaningflow.accounts.models import Interest, Organisation, Skill, User
from meaningflow.core.services import audit_log, notification_send
from meaningflow.needs import allocation, search
from meaningflow.needs.models import (
    DESCRIPTION_MAX,
    MESSAGE_MAX,
    Application,
    Bid,
    LotteryDraw,
    MatchingWeights,
    Need,
    NeedSkill,
    NeedView,
)
from meaningflow.places.models import City, Division

S = Application.Status
# Statuses in which an application holds one of the need's places.
HOLDS_PLACE = frozenset({S.ACCEPTED, S.IN_PROGRESS, S.COMPLETED, S.PARTLY_COMPLETED, S.NOT_COMPLETED, S.REVIEWED})
OPEN_APPLICATION = frozenset({S.APPLIED, S.SHORTLISTED})
MAX_SKILLS = 8
AUTO_CONFIRM_DAYS = getattr(settings, "NEEDS_AUTO_CONFIRM_DAYS", 7)

# --- need state machine -----------------------------------------------------------------

NEED_TRANSITIONS: dict[str, tuple[frozenset, str]] = {
    "publish": (frozenset({Need.Status.DRAFT}), Need.Status.PUBLISHED),
    "fill": (frozenset({Need.Status.PUBLISHED}), Need.Status.FILLED),
    "reopen": (frozenset({Need.Status.FILLED}), Need.Status.PUBLISHED),
    "close": (
        frozenset({Need.Status.DRAFT, Need.Status.PUBLISHED, Need.Status.FILLED}),
        Need.Status.CLOSED,
    ),
    "expire": (frozenset({Need.Status.PUBLISHED, Need.Status.FILLED}), Need.Status.EXPIRED),
}

# --- application state machine: action → (from, to, who may do it) ----------------------

APPLICATION_TRANSITIONS: dict[str, tuple[frozenset, str, str]] = {
    "shortlist": (frozenset({S.APPLIED}), S.SHORTLISTED, "poster"),
    "accept": (OPEN_APPLICATION, S.ACCEPTED, "poster"),
    "decline": (OPEN_APPLICATION, S.DECLINED, "poster"),
    "withdraw": (frozenset({S.APPLIED, S.SHORTLISTED, S.ACCEPTED}), S.WITHDRAWN, "applicant"),
    "start": (frozenset({S.ACCEPTED}), S.IN_PROGRESS, "poster"),
    "expire": (OPEN_APPLICATION, S.EXPIRED, "system"),
    "complete": (frozenset({S.IN_PROGRESS}), S.COMPLETED, "applicant"),
    "complete_partly": (frozenset({S.IN_PROGRESS}), S.PARTLY_COMPLETED, "applicant"),
    "complete_not": (frozenset({S.IN_PROGRESS}), S.NOT_COMPLETED, "applicant"),
    "mark_reviewed": (
        frozenset({S.COMPLETED, S.PARTLY_COMPLETED, S.NOT_COMPLETED}),
        S.REVIEWED,
        "system",
    ),
}
OUTCOME_ACTION = {
    Application.Outcome.COMPLETED: "complete",
    Application.Outcome.PARTLY_COMPLETED: "complete_partly",
    Application.Outcome.NOT_COMPLETED: "complete_not",
}

# DG-6: which CV formula credits which kind of need.
SKILL_TYPES = frozenset({Need.Type.SKILL, Need.Type.TRAINING})
COMMUNITY_EVENT_TYPES = frozenset({Need.Type.COMMUNITY_SERVICE, Need.Type.PUBLIC_WELFARE, Need.Type.CULTURAL})
# An application's confirmed outcome → the ledger's CV-E3 completion key.
COMPLETION_INPUT = {
    Application.Outcome.COMPLETED: Need.Completion.FULL,
    Application.Outcome.PARTLY_COMPLETED: Need.Completion.PARTIAL,
    Application.Outcome.NOT_COMPLETED: Need.Completion.NONE,
}
DONE = frozenset({S.COMPLETED, S.PARTLY_COMPLETED, S.NOT_COMPLETED})
# The poster may set a participant's role until the outcome is confirmed.
ROLE_OPEN = frozenset({S.ACCEPTED, S.IN_PROGRESS})


def can_manage_need(*, user, need: Need) -> bool:
    """Only active members (owner, admin or member) of the posting organisation."""
    return bool(getattr(user, "is_authenticated", False)) and accounts_selectors.user_is_active_member(
        user=user, organisation=need.organisation
    )


def _require_manager(*, actor, need: Need) -> None:
    if not can_manage_need(user=actor, need=need):
        raise PermissionDenied(_("Only members of the posting organisation can manage this need."))


# --- needs ------------------------------------------------------------------------------


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


def _need_validate(need: Need) -> None:
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
    with transaction.atomic(durable=not transaction.get_connection().in_atomic_block):
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
    with transaction.atomic(durable=True):
        need = Need.objects.select_for_update().select_related("organisation").get(pk=need.pk)
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


def need_transition(*, need: Need, action: str, actor: User | None = None, reason: str = "") -> Need:
    """Apply ``action`` (publish, fill, reopen, close, expire) to the need. ``actor`` None
    means a system job; otherwise the actor must manage the need. Illegal moves raise
    ValidationError and change nothing."""
    if action not in NEED_TRANSITIONS:
        raise ValidationError(_("Unknown action."))
    sources, target = NEED_TRANSITIONS[action]
    with transaction.atomic(durable=not transaction.get_connection().in_atomic_block):
        need = Need.objects.select_for_update().select_related("organisation").get(pk=need.pk)
        if actor is not None:
            _require_manager(actor=actor, need=need)
        if need.status not in sources:
            raise ValidationError(
                _("A need that is %(status)s cannot be %(action)s.")
                % {"status": need.get_status_display(), "action": action}
            )
        if action == "publish" and need.ends_at <= timezone.now():
            raise ValidationError(_("This need has already ended; change its dates before publishing."))
        before = need.status
        need.status = target
        update = ["status", "updated_at"]
        if action == "publish" and need.published_at is None:
            need.published_at = timezone.now()
            update.append("published_at")
        need.save(update_fields=update)
        audit_log(
            actor=actor,
            action=f"needs.need.{target}",
            subject=need.subject,
            region_code=need.region_code,
            reason=reason,
            data={"from": before},
        )
        if target in (Need.Status.CLOSED, Need.Status.EXPIRED):
            _expire_open_applications(need=need)
            _need_complete(need=need)
    return need


def _expire_open_applications(*, need: Need) -> None:
    for application in need.applications.filter(status__in=OPEN_APPLICATION).order_by("pk"):
        _apply_application_transition(application=application, need=need, action="expire", actor=None)


def needs_expire(*, now: datetime | None = None) -> dict[str, int]:
    """Job ``needs_expire``: published or filled needs past their end expire; open
    applications past the need's application deadline expire. Idempotent."""
    now = now or timezone.now()
    expired_needs = 0
    for need in (
        Need.objects.filter(status__in=[Need.Status.PUBLISHED, Need.Status.FILLED], ends_at__lte=now)
        .order_by("pk")
        .only("pk")
    ):
        try:
            need_transition(need=need, action="expire", reason="ended")
        except ValidationError:
            continue  # changed meanwhile
        expired_needs += 1
    expired_applications = 0
    late = Application.objects.filter(status__in=OPEN_APPLICATION, need__application_deadline__lte=now)
    for application in late.order_by("pk").only("pk"):
        try:
            application_transition(application=application, action="expire", actor=None, reason="deadline")
        except ValidationError:
            continue
        expired_applications += 1
    return {"needs_expired": expired_needs, "applications_expired": expired_applications}


# --- applications -----------------------------------------------------------------------


def lifetime_cv_of(user: User) -> int:
    """Lifetime credited CV net of penalties (the ledger's trust standing)."""
    from meaningflow.ledger import selectors as ledger_selectors

    return ledger_selectors.trust_standing_of(user).net_credited


def _need_team(need: Need) -> list[User]:
    """Who speaks for the need: its author (while a member) and the organisation's managers."""
    team = {u.pk: u for u in accounts_selectors.organisation_managers(organisation=need.organisation)}
    if need.created_by_id and need.created_by_id not in team and can_manage_need(user=need.created_by, need=need):
        team[need.created_by_id] = need.created_by
    return list(team.values())


def _notify(*, users, kind: str, title, body, url: str) -> None:
    for user in users:
        with translation.override(user.preferred_language or translation.get_language()):
            notification_send(recipient=user, kind=kind, title=str(title()), body=str(body()), url=url, email=True)


def application_url(application: Application) -> str:
    return reverse("needs:application_detail", args=[application.pk])


def application_create(*, need: Need, applicant: User, message: str = "", bid_amount: int | None = None) -> Application:
    """Apply to a published need with a message. Opens the application's conversation
    thread and, for CV bidding, holds the bid in escrow through the ledger.

    Raises ValidationError when the need is not open, the deadline has passed, the person
    already applied, the message is too long, their lifetime CV is below the threshold or
    (bidding) the bid is missing or not covered; PermissionDenied for the need's own team.
    """
    message = (message or "").strip()
    if len(message) > MESSAGE_MAX:
        raise ValidationError(
            {"message": [_("The message can be at most %(n)d characters long.") % {"n": MESSAGE_MAX}]}
        )
    with transaction.atomic(durable=True):
        need = Need.objects.select_related("organisation").get(pk=need.pk)
        now = timezone.now()
        if need.status != Need.Status.PUBLISHED:
            raise ValidationError(_("This need is not open for applications."))
        if (need.application_deadline and need.application_deadline <= now) or need.ends_at <= now:
            raise ValidationError(_("Applications for this need have closed."))
        if can_manage_need(user=applicant, need=need):
            raise PermissionDenied(_("You cannot apply to a need of your own organisation."))
        if Application.objects.filter(need=need, applicant=applicant).exists():
            raise ValidationError(_("You have already applied to this need."))
        if need.cv_threshold and lifetime_cv_of(applicant) < need.cv_threshold:
            raise ValidationError(
                _("This need asks for at least %(cv)d contribution value; you have %(have)d.")
                % {"cv": need.cv_threshold, "have": lifetime_cv_of(applicant)}
            )
        if need.allocation == Need.Allocation.BIDDING and not bid_amount:
            raise ValidationError({"bid_amount": [_("This need allocates places by CV bids: offer an amount.")]})
        if bid_amount is not None and need.allocation != Need.Allocation.BIDDING:
            raise ValidationError({"bid_amount": [_("This need does not take bids.")]})
        try:
            with transaction.atomic():
                application = Application.objects.create(need=need, applicant=applicant, message=message)
        except IntegrityError as exc:  # a concurrent double click
            raise ValidationError(_("You have already applied to this need.")) from exc
        if bid_amount is not None:
            _bid_place(application=application, amount=bid_amount)
        _thread_open(application=application, need=need)
        audit_log(
            actor=applicant,
            action="needs.application.applied",
            subject=application.subject,
            region_code=need.region_code,
            data={"need": need.pk, "bid": bid_amount},
        )
        _notify(
            users=_need_team(need),
            kind="needs.application.applied",
            url=application_url(application),
            title=lambda: _("New application for “%(need)s”") % {"need": need.display_title},
            body=lambda: _("%(name)s applied: %(message)s") % {"name": applicant, "message": message[:280]},
        )
    return application


def _thread_open(*, application: Application, need: Need) -> None:
    from meaningflow.conversations import services as conversation_services

    thread = conversation_services.thread_open(
        subject=application.subject,
        title=f"{need.display_title} · {application.applicant}"[:200],
        participants=[application.applicant, *_need_team(need)],
    )
    Application.objects.filter(pk=application.pk).update(thread_id=thread.pk)
    application.thread_id = thread.pk


def _bid_place(*, application: Application, amount: int) -> Bid:
    from meaningflow.ledger import services as ledger_services

    if not isinstance(amount, int) or amount < 1:
        raise ValidationError({"bid_amount": [_("A bid is a whole number of CV, at least 1.")]})
    hold = ledger_services.hold_place(
        user=application.applicant,
        amount=amount,
        cause=application.subject,
        idempotency_key=f"{application.subject}:bid",
        actor=application.applicant,
    )
    return Bid.objects.create(application=application, amount=amount, hold_id=hold.pk)


def _lock(application: Application) -> tuple[Need, Application]:
    """Lock the need, then the application (the documented order)."""
    need = Need.objects.select_for_update().select_related("organisation").get(pk=application.need_id)
    application = Application.objects.select_for_update().select_related("applicant").get(pk=application.pk)
    return need, application


def application_transition(
    *, application: Application, action: str, actor: User | None, reason: str = ""
) -> Application:
    """Apply ``action`` to the application (see APPLICATION_TRANSITIONS).

    Poster actions need a member of the posting organisation, applicant actions the
    applicant, system actions ``actor=None``. ``accept`` refuses once every place is
    taken (the need row is locked, then the filled counter and its check constraint
    guard). Raises ValidationError for illegal moves and PermissionDenied for others.
    """
    if action not in APPLICATION_TRANSITIONS:
        raise ValidationError(_("Unknown action."))
    with transaction.atomic(durable=not transaction.get_connection().in_atomic_block):
        need, application = _lock(application)
        _authorise(application=application, need=need, action=action, actor=actor)
        application = _apply_application_transition(
            application=application, need=need, action=action, actor=actor, reason=reason
        )
        if action == "withdraw":  # the last one still at work in a closed need may leave
            _need_complete(need=need)
        return application


def _authorise(*, application: Application, need: Need, action: str, actor) -> None:
    role = APPLICATION_TRANSITIONS[action][2]
    if role == "poster" and not can_manage_need(user=actor, need=need):
        raise PermissionDenied(_("Only members of the posting organisation can do this."))
    if role == "applicant" and (actor is None or actor.pk != application.applicant_id):
        raise PermissionDenied(_("Only the applicant can do this."))
    if role == "system" and actor is not None:
        raise PermissionDenied(_("This happens automatically."))
    if action == "accept" and need.allocation != Need.Allocation.SELECTION:
        raise ValidationError(
            _("Places of this need are allocated by %(mode)s.") % {"mode": need.get_allocation_display()}
        )


def _apply_application_transition(
    *, application: Application, need: Need, action: str, actor, reason: str = ""
) -> Application:
    """The move itself; the caller holds the locks and has authorised it."""
    sources, target, _role = APPLICATION_TRANSITIONS[action]
    if application.status not in sources:
        raise ValidationError(
            _("An application that is %(status)s cannot be changed that way.")
            % {"status": application.get_status_display()}
        )
    before = application.status
    if target == S.ACCEPTED:
        _take_place(need=need)
    elif before in HOLDS_PLACE and target not in HOLDS_PLACE:
        _free_place(need=need)
    application.status = target
    fields = ["status", "updated_at"]
    if target in (S.ACCEPTED, S.DECLINED):
        application.decided_at = timezone.now()
        fields.append("decided_at")
    application.save(update_fields=fields)
    if target in (S.WITHDRAWN, S.DECLINED, S.EXPIRED):
        _bid_settle(application=application, won=False)
    audit_log(
        actor=actor,
        action=f"needs.application.{target}",
        subject=application.subject,
        region_code=need.region_code,
        reason=reason,
        data={"from": before, "need": need.pk},
    )
    _notify_transition(application=application, need=need, actor=actor)
    return application


def _take_place(*, need: Need) -> None:
    if need.filled_places >= need.places:
        raise ValidationError(_("All %(n)d places of this need are taken.") % {"n": need.places})
    # The counter moves with F(); the check constraint filled_places <= places is the
    # database's own guard should a writer ever skip the lock.
    Need.objects.filter(pk=need.pk).update(filled_places=F("filled_places") + 1, updated_at=timezone.now())
    need.refresh_from_db(fields=["filled_places", "status"])
    if need.filled_places >= need.places and need.status == Need.Status.PUBLISHED:
        need_transition(need=need, action="fill", reason="all places taken")
        need.refresh_from_db(fields=["status"])


def _free_place(*, need: Need) -> None:
    Need.objects.filter(pk=need.pk).update(filled_places=F("filled_places") - 1, updated_at=timezone.now())
    need.refresh_from_db(fields=["filled_places", "status"])
    if need.status == Need.Status.FILLED and need.ends_at > timezone.now():
        need_transition(need=need, action="reopen", reason="a place became free")
        need.refresh_from_db(fields=["status"])


def _notify_transition(*, application: Application, need: Need, actor) -> None:
    applicant = application.applicant
    to_applicant = actor is None or actor.pk != applicant.pk
    users = [applicant] if to_applicant else _need_team(need)
    _notify(
        users=users,
        kind=f"needs.application.{application.status}",
        url=application_url(application),
        title=lambda: (
            _("Application for “%(need)s”: %(status)s")
            % {"need": need.display_title, "status": application.get_status_display()}
        ),
        body=lambda: (
            _("%(name)s's application is now %(status)s.")
            % {"name": applicant, "status": application.get_status_display()}
        ),
    )


# --- bids and lotteries (DG-4, BX-13) ---------------------------------------------------


def _bid_settle(*, application: Application, won: bool) -> None:
    from meaningflow.ledger import services as ledger_services
    from meaningflow.ledger.models import Hold

    bid = Bid.objects.filter(application=application, status=Bid.Status.ACTIVE).first()
    if bid is None:
        return
    hold = Hold.objects.get(pk=bid.hold_id)
    if won:
        ledger_services.hold_consume(hold=hold, actor=None)
    else:
        ledger_services.hold_release(hold=hold, actor=None)
    bid.status = (
        Bid.Status.WON if won else (Bid.Status.WITHDRAWN if application.status == S.WITHDRAWN else Bid.Status.LOST)
    )
    bid.settled_at = timezone.now()
    bid.save(update_fields=["status", "settled_at"])


def bids_allocate(*, need: Need, actor: User) -> list[Application]:
    """Allocate the free places of a bidding need: the highest bids win (ties: earlier
    bid); winners' holds are consumed, losers' released and their applications declined."""
    with transaction.atomic(durable=True):
        need = Need.objects.select_for_update().select_related("organisation").get(pk=need.pk)
        _require_manager(actor=actor, need=need)
        if need.allocation != Need.Allocation.BIDDING:
            raise ValidationError(_("This need does not allocate places by bids."))
        open_apps = list(
            Application.objects.select_for_update().filter(need=need, status__in=OPEN_APPLICATION).order_by("pk")
        )
        bids = {b.application_id: b for b in Bid.objects.filter(application__in=open_apps, status=Bid.Status.ACTIVE)}
        ranking = [
            {"application": a.pk, "amount": bids[a.pk].amount, "placed": bids[a.pk].created_at}
            for a in open_apps
            if a.pk in bids
        ]
        winners = set(allocation.bid_winners(ranking, need.places_left))
        accepted = []
        for application in open_apps:
            if application.pk in winners:
                _apply_application_transition(
                    application=application,
                    need=need,
                    action="accept",
                    actor=actor,
                    reason="won the CV bid",
                )
                _bid_settle(application=application, won=True)
                accepted.append(application)
            else:
                _apply_application_transition(
                    application=application,
                    need=need,
                    action="decline",
                    actor=actor,
                    reason="outbid",
                )
        audit_log(
            actor=actor,
            action="needs.need.bids_allocated",
            subject=need.subject,
            region_code=need.region_code,
            data={"winners": sorted(winners)},
        )
    return accepted


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


def weights_in_force(*, on=None) -> MatchingWeights:
    """The matching weights row in force on ``on`` (today), or the defaults (unsaved)."""
    on = on or timezone.localdate()
    return MatchingWeights.objects.filter(effective_from__lte=on).first() or MatchingWeights(effective_from=on)


def is_newcomer(user: User) -> bool:
    """A newcomer has no completed contribution: nothing in the ledger, no completed need."""
    from meaningflow.ledger import selectors as ledger_selectors

    if ledger_selectors.contributions_of(user).exists():
        return False
    return not Application.objects.filter(
        applicant=user, status__in=[S.COMPLETED, S.PARTLY_COMPLETED, S.REVIEWED]
    ).exists()


def lottery_draw(*, need: Need, actor: User, seed: str | None = None) -> LotteryDraw:
    """Draw the free places of a lottery need among the open applications and record the
    draw (seed, candidates with weights, winners) so it can be replayed. Winners are
    accepted, the others declined."""
    with transaction.atomic(durable=True):
        need = Need.objects.select_for_update().select_related("organisation").get(pk=need.pk)
        _require_manager(actor=actor, need=need)
        if need.allocation != Need.Allocation.LOTTERY:
            raise ValidationError(_("This need does not allocate places by lottery."))
        if LotteryDraw.objects.filter(need=need).exists():
            raise ValidationError(_("The lottery of this need has already been drawn."))
        open_apps = list(
            Application.objects.select_for_update()
            .select_related("applicant")
            .filter(need=need, status__in=OPEN_APPLICATION)
            .order_by("pk")
        )
        if not open_apps:
            raise ValidationError(_("There is nobody to draw from yet."))
        newcomer_weight = weights_in_force().newcomer_weight
        candidates = []
        for application in open_apps:
            newcomer = is_newcomer(application.applicant)
            candidates.append(
                {
                    "application": application.pk,
                    "user": application.applicant_id,
                    "newcomer": newcomer,
                    "weight": str(newcomer_weight if newcomer else Decimal(1)),
                }
            )
        seed = seed or secrets.token_hex(16)
        winners = allocation.lottery_winners(seed, candidates, need.places_left)
        draw = LotteryDraw.objects.create(
            need=need,
            seed=seed,
            newcomer_weight=newcomer_weight,
            places=need.places_left,
            candidates=candidates,
            winners=winners,
            drawn_by=actor,
        )
        for application in open_apps:
            won = application.pk in winners
            _apply_application_transition(
                application=application,
                need=need,
                action="accept" if won else "decline",
                actor=actor,
                reason="lottery won" if won else "not drawn",
            )
        audit_log(
            actor=actor,
            action="needs.need.lottery_drawn",
            subject=need.subject,
            region_code=need.region_code,
            data={"seed": seed, "winners": winners},
        )
    return draw


# --- completion (DG-6) ------------------------------------------------------------------


def application_outcome_propose(
    *, application: Application, actor: User, outcome: str, hours: Decimal | None = None
) -> Application:
    """The poster states how it went (completed, partly, not completed) and the hours
    given; the applicant then confirms, or ``applications_auto_confirm`` does after
    AUTO_CONFIRM_DAYS days."""
    if outcome not in Application.Outcome.values:
        raise ValidationError({"outcome": [_("Choose completed, partly completed or not completed.")]})
    if hours is not None and (hours <= 0 or hours > 10_000):
        raise ValidationError({"hours": [_("Give the hours as a positive number.")]})
    with transaction.atomic(durable=True):
        need, application = _lock(application)
        _require_manager(actor=actor, need=need)
        if application.status != S.IN_PROGRESS:
            raise ValidationError(_("Only work in progress can be completed."))
        application.proposed_outcome = outcome
        application.proposed_at = timezone.now()
        application.hours = hours
        application.save(update_fields=["proposed_outcome", "proposed_at", "hours", "updated_at"])
        audit_log(
            actor=actor,
            action="needs.application.outcome_proposed",
            subject=application.subject,
            region_code=need.region_code,
            data={"outcome": outcome, "hours": str(hours or "")},
        )
        _notify(
            users=[application.applicant],
            kind="needs.application.outcome_proposed",
            url=application_url(application),
            title=lambda: _("Please confirm: “%(need)s”") % {"need": need.display_title},
            body=lambda: (
                _("The poster marked your participation as %(outcome)s. Confirm it on the application page.")
                % {"outcome": application.get_proposed_outcome_display()}
            ),
        )
    return application


def application_outcome_confirm(*, application: Application, actor: User | None) -> Application:
    """The applicant confirms the proposed outcome (``actor=None``: the auto-confirm job).
    Completes the application and opens the double-blind review window. A project or
    community need (CV-E3) records the contribution now, and the organiser's once the
    whole need is done (``_need_complete``); a skill or training need (CV-E2) records it
    when the learner's rating is final (``applications_mark_reviewed``)."""
    with transaction.atomic(durable=True):
        need, application = _lock(application)
        if actor is not None and actor.pk != application.applicant_id:
            raise PermissionDenied(_("Only the applicant can confirm the outcome."))
        if application.status != S.IN_PROGRESS or not application.proposed_outcome:
            raise ValidationError(_("There is no outcome waiting for confirmation."))
        action = OUTCOME_ACTION[application.proposed_outcome]
        # The table's role for completion is the applicant; the job confirms on their behalf.
        _apply_application_transition(
            application=application,
            need=need,
            action=action,
            actor=actor,
            reason="auto-confirmed" if actor is None else "",
        )
        application.confirmed_at = timezone.now()
        application.auto_confirmed = actor is None
        application.save(update_fields=["confirmed_at", "auto_confirmed"])
        if need.type not in SKILL_TYPES:
            _contribution_record(application=application, need=need)
            _need_complete(need=need)
        _review_window_open(application=application, need=need)
    return application


def application_role_set(*, application: Application, actor: User, role: str) -> Application:
    """The poster names a participant's part in a project or community need: participant
    (the default) or core organiser, whose CV-E3 personal share is larger. Possible while
    the application holds a place and its outcome is not confirmed. Raises
    PermissionDenied for anyone but the posting organisation's members, ValidationError
    (code ``role_unknown``, ``role_not_applicable`` for skill and training needs, which earn
    CV-E2, or ``role_fixed`` once the outcome is confirmed) otherwise; nothing changes then."""
    if role not in Application.Role.values:
        raise ValidationError(_("Choose participant or core organiser."), code="role_unknown")
    with transaction.atomic(durable=True):
        need, application = _lock(application)
        _require_manager(actor=actor, need=need)
        if need.type in SKILL_TYPES:
            raise ValidationError(
                _("Roles count for project and community needs; skill sharing earns by hours."),
                code="role_not_applicable",
            )
        if application.status not in ROLE_OPEN:
            raise ValidationError(
                _("The role can be set while the person holds a place and before the outcome is confirmed."),
                code="role_fixed",
            )
        before = application.role
        application.role = role
        application.save(update_fields=["role", "updated_at"])
        audit_log(
            actor=actor,
            action="needs.application.role_set",
            subject=application.subject,
            region_code=need.region_code,
            data={"from": before, "to": role},
        )
    return application


def _parameters(on):
    from meaningflow.ledger.parameters import parameters_in_force

    return parameters_in_force(on=on).document


def _skill_hours(*, application: Application, need: Need, on) -> Decimal:
    """CV-E2's service time. The hours the poster stated are the hours actually given, so
    a partly completed contribution is already reduced by them; only when none were
    stated are the planned hours reduced by the ledger's partial-completion factor
    (0.6 by default). Either way it is reduced once."""
    if application.hours:
        return Decimal(application.hours)
    planned = Decimal(need.total_hours or need.hours_per_week or 1)
    if application.proposed_outcome == Application.Outcome.PARTLY_COMPLETED:
        partial = Decimal(str(_parameters(on)["project"]["completion"][Need.Completion.PARTIAL]))
        planned = (planned * partial).quantize(Decimal("0.1"))
    return planned


def _project_type(need: Need) -> str:
    return "community_event" if need.type in COMMUNITY_EVENT_TYPES else "medium_project"


def contribution_inputs(
    *, application: Application, need: Need, learner_rating: str = "neutral", on=None
) -> tuple[str, dict]:
    """(ledger contribution kind, formula inputs) for a completed application: CV-E2 for
    skill needs and training with the learner's rating level (good / neutral / bad, from
    the poster's review), CV-E3 for everything else with the person's role."""
    if need.type in SKILL_TYPES:
        hours = _skill_hours(application=application, need=need, on=on or timezone.localdate())
        inputs = {
            "hours": str(hours),
            "learners": max(1, need.impact_people or 1),
            "learner_rating": learner_rating,
        }
        main_skill = need.skills.order_by("-level", "skill_id").first()
        if main_skill is not None:
            inputs["skill_id"] = main_skill.skill_id
        return "skill", inputs
    return "project", {
        "project_type": _project_type(need),
        "role": application.role,
        "people_reached": int(need.impact_people or 0),
        "completion": str(COMPLETION_INPUT[application.proposed_outcome]),
    }


def _contribution_record(*, application: Application, need: Need, learner_rating: str = "neutral") -> None:
    from meaningflow.ledger import services as ledger_services

    if application.proposed_outcome == Application.Outcome.NOT_COMPLETED:
        return  # nothing to credit; the review window still opens
    if application.contribution_id is not None:
        return  # recorded already (a skill contribution confirmed before credit waited for the review)
    # The work happened when the applicant confirmed it, whenever the credit follows.
    on = timezone.localdate(application.confirmed_at or timezone.now())
    kind, inputs = contribution_inputs(application=application, need=need, learner_rating=learner_rating, on=on)
    contribution = ledger_services.contribution_record(
        beneficiary=application.applicant,
        kind=kind,
        inputs=inputs,
        idempotency_key=f"{application.subject}:contribution",
        cause=application.subject,
        occurred_on=on,
    )
    application.contribution_id = contribution.pk
    application.save(update_fields=["contribution_id"])


def need_completion(*, outcomes: list[str]) -> str:
    """How a need's work went as a whole, from its participants' confirmed outcomes: full
    when everyone completed, none when nobody completed even partly, else partial."""
    if outcomes and all(o == Application.Outcome.COMPLETED for o in outcomes):
        return Need.Completion.FULL
    if any(o in (Application.Outcome.COMPLETED, Application.Outcome.PARTLY_COMPLETED) for o in outcomes):
        return Need.Completion.PARTIAL
    return Need.Completion.NONE


def _need_complete(*, need: Need, now: datetime | None = None) -> bool:
    """Record that a project or community need's work is done and credit its organiser
    (CV-E3, share of the core organiser) — once, under the need's row lock, which the
    caller holds.

    Done means nobody can join any more (filled, closed, expired or past its end), at
    least one person held a place, and every place holder's outcome is confirmed. The
    organiser is the person who posted the need; completion as ``need_completion``;
    nothing is credited when nobody completed. Returns True when recorded now."""
    from meaningflow.ledger import services as ledger_services

    now = now or timezone.now()
    if need.type in SKILL_TYPES or need.completed_at is not None:
        return False
    if need.status in (Need.Status.DRAFT, Need.Status.PUBLISHED) and need.ends_at > now:
        return False
    holders = list(need.applications.filter(status__in=HOLDS_PLACE).values_list("status", "proposed_outcome"))
    if not holders or any(status in (S.ACCEPTED, S.IN_PROGRESS) for status, _outcome in holders):
        return False
    completion = need_completion(outcomes=[outcome for _status, outcome in holders])
    need.completion, need.completed_at = completion, now
    fields = ["completion", "completed_at", "updated_at"]
    if completion != Need.Completion.NONE and need.created_by_id:
        contribution = ledger_services.contribution_record(
            beneficiary=need.created_by,
            kind="project",
            inputs={
                "project_type": _project_type(need),
                "role": Application.Role.CORE_ORGANISER.value,
                "people_reached": int(need.impact_people or 0),
                "completion": str(completion),
            },
            idempotency_key=f"{need.subject}:organiser",
            cause=need.subject,
            occurred_on=timezone.localdate(now),
        )
        need.organiser_contribution_id = contribution.pk
        fields.append("organiser_contribution_id")
    need.save(update_fields=fields)
    audit_log(
        action="needs.need.completed",
        subject=need.subject,
        region_code=need.region_code,
        data={"completion": completion, "organiser": need.created_by_id, "holders": len(holders)},
    )
    return True


def _review_window_open(*, application: Application, need: Need) -> None:
    from meaningflow.reviews import services as review_services

    poster = need.created_by if need.created_by_id and can_manage_need(user=need.created_by, need=need) else None
    poster = poster or next(iter(_need_team(need)), None)
    if poster is None:
        return
    review_services.review_window_open(
        subject=application.subject,
        parties=[(poster, "poster"), (application.applicant, "applicant")],
        title=need.display_title,
    )


def applications_auto_confirm(*, now: datetime | None = None, days: int = AUTO_CONFIRM_DAYS) -> int:
    """Job ``needs_auto_confirm``: confirm outcomes the applicant left unanswered for
    ``days`` days. Idempotent; returns how many were confirmed."""
    cutoff = (now or timezone.now()) - timedelta(days=days)
    due = Application.objects.filter(status=S.IN_PROGRESS, proposed_at__lte=cutoff).exclude(proposed_outcome="")
    count = 0
    for application in due.order_by("pk").only("pk", "need_id"):
        try:
            application_outcome_confirm(application=application, actor=None)
        except ValidationError:
            continue
        count += 1
    return count


def _learner_rating(*, application: Application, now: datetime) -> str | None:
    """The learner's rating of the applicant once final: the poster's review through the
    reviews app's one path to a rating coefficient, with the same dated star thresholds
    as the guest's rating of a host (the ledger's dated ``rating_levels``); neutral when no
    review came; None while one may still come."""
    from meaningflow.ledger import selectors as ledger_selectors
    from meaningflow.reviews import selectors as review_selectors
    from meaningflow.reviews.rules import REVIEW_WINDOW_DAYS

    confirmed = application.confirmed_at or now
    return review_selectors.rating_level_for_subject(
        subject=application.subject,
        subject_user=application.applicant,
        levels=ledger_selectors.rating_levels_in_force(on=timezone.localdate(confirmed)),
        now=now,
        # Without a window (no poster left to review) the rating is neutral after as long.
        wait_until=confirmed + timedelta(days=REVIEW_WINDOW_DAYS),
    )


def _application_settle(*, application: Application, now: datetime) -> bool:
    """Once the learner's rating is final, record a skill contribution (CV-E2) with it and
    mark the application reviewed. False while a review may still come."""
    with transaction.atomic(durable=not transaction.get_connection().in_atomic_block):
        need, application = _lock(application)
        if application.status not in DONE:
            return False
        rating = _learner_rating(application=application, now=now)
        if rating is None:
            return False
        if need.type in SKILL_TYPES:
            _contribution_record(application=application, need=need, learner_rating=rating)
        _apply_application_transition(application=application, need=need, action="mark_reviewed", actor=None)
    return True


def applications_mark_reviewed(*, applications=None, now: datetime | None = None) -> int:
    """Job (part of ``needs_auto_confirm``, also called after a review is written):
    completed applications whose learner's rating is final — the review window revealed
    or closed, or no window and its length passed — become ``reviewed``; skill and
    training needs are credited then (CV-E2 with that rating)."""
    done = applications if applications is not None else Application.objects.filter(status__in=DONE).order_by("pk")
    now = now or timezone.now()
    count = 0
    for application in done:
        if _learner_rating(application=application, now=now) is None:
            continue  # not final yet: no lock taken
        try:
            count += _application_settle(application=application, now=now)
        except ValidationError:
            continue
    return count


def review_write(*, application: Application, author: User, rating: int, comment: str = "") -> None:
    """Write the author's review of the other party of a completed application (through
    the reviews app), then mark the application reviewed if the window is now revealed."""
    from meaningflow.reviews import selectors as review_selectors
    from meaningflow.reviews import services as review_services

    window = review_selectors.window_for_subject(subject=application.subject)
    if window is None:
        raise ValidationError(_("Reviews open when the work is completed."))
    others = [p.user for p in review_selectors.parties_of(window=window) if p.user_id != author.pk]
    if not others:
        raise PermissionDenied(_("Only the people who took part can write a review."))
    review_services.review_submit(window=window, author=author, subject_user=others[0], rating=rating, comment=comment)
    applications_mark_reviewed(applications=[application])

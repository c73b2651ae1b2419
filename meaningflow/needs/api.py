"""JSON API of the Dream Garden, over the same services and selectors as the pages."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Query, Schema, Status

from meaningflow.accounts import selectors as accounts_selectors
from meaningflow.core.idempotency import idempotent
from meaningflow.core.routers import ApiRouter
from meaningflow.core.validators import Id
from meaningflow.needs import allocation, selectors, services
from meaningflow.needs.models import Application, Bid, LotteryDraw, Need
from meaningflow.needs.schemas import (
    ApplicationOut,
    ApplyIn,
    CandidateOut,
    LotteryIn,
    LotteryOut,
    NeedIn,
    NeedOut,
    NeedPage,
    NeedPatch,
    OutcomeIn,
    RecommendationOut,
    RoleIn,
    TransitionIn,
    WeightsOut,
)
from meaningflow.places import selectors as places_selectors

router = ApiRouter(tags=["needs"])


def need_out(need: Need) -> dict:
    data = {name: getattr(need, name) for name in NeedOut.model_fields if hasattr(need, name)}
    data["organisation"] = str(need.organisation)
    data["skills"] = [{"code": ns.skill.code, "name": ns.skill.name, "level": ns.level} for ns in need.skills.all()]
    return data


def application_out(application: Application) -> dict:
    data = {
        name: getattr(application, name) for name in ApplicationOut.model_fields if name not in ("applicant", "bid")
    }
    data["applicant"] = str(application.applicant)
    bid = Bid.objects.filter(application=application).first()
    data["bid"] = {"amount": bid.amount, "status": bid.status} if bid else None
    return data


def _place(payload) -> dict:
    out = {}
    if payload.division_code:
        out["division"] = places_selectors.division_get(payload.division_code)
        if out["division"] is None:
            raise ValidationError(
                {"division_code": ValidationError(_("Unknown region code."), code="need.region_unknown")}
            )
    if payload.city_geonameid:
        out["city"] = places_selectors.city_by_geonameid(payload.city_geonameid)
        if out["city"] is None:
            raise ValidationError({"city_geonameid": ValidationError(_("Unknown city."), code="need.city_unknown")})
    return out


MAX_PAGE = 1_000_000  # pages past the last show the last; this only keeps the number sane


class SearchParams(Schema):
    q: str = ""
    region: str = ""
    type: str = ""
    reward: str = ""
    skill: str = ""
    remote: bool | None = None
    public: bool = False
    sort: str = ""
    page: int = Field(1, ge=1, le=MAX_PAGE)
    per_page: int = Field(20, ge=1, le=1000)


@router.get("/", response=NeedPage, auth=None)
def need_search(request, params: Query[SearchParams]):
    """Browse and full-text search (Chinese and English) with filters, sorting, pages."""
    if len(params.q) > 200:
        raise ValidationError({"q": ValidationError(_("The search text is too long."), code="search.query_too_long")})
    result = selectors.need_search(
        q=params.q,
        region=params.region,
        types=[params.type] if params.type else [],
        reward=params.reward,
        skills=[params.skill] if params.skill else [],
        remote=params.remote,
        public_only=params.public,
        sort=params.sort,
        page=params.page,
        per_page=params.per_page,
        user=request.user,
    )
    page = result.page
    return {
        "count": page.paginator.count,
        "page": page.number,
        "pages": page.paginator.num_pages,
        "sort": result.sort,
        "results": [need_out(n) for n in page],
    }


@router.post("/", response={201: NeedOut})
@idempotent
def need_create(request, payload: NeedIn):
    organisation = accounts_selectors.organisation_get(organisation_id=payload.organisation_id)
    if organisation is None:
        raise Http404
    data = payload.dict(exclude={"organisation_id", "division_code", "city_geonameid", "skills", "publish"})
    need = services.need_create(
        actor=request.user,
        organisation=organisation,
        skills=[(s.code, s.level) for s in payload.skills],
        publish=payload.publish,
        **_place(payload),
        **data,
    )
    return Status(201, need_out(need))


@router.get("/recommended", response=list[RecommendationOut])
def recommended_needs(request, limit: int = 10):
    """Recommended open needs for me, each with the parts of its score in words."""
    recs = selectors.recommended_needs(user=request.user, limit=max(1, min(limit, 50)))
    return [{"need": need_out(r.need), "score": r.score, "parts": r.parts} for r in recs]


@router.get("/weights", response=WeightsOut, auth=None)
def matching_weights(request):
    weights = services.weights_in_force()
    return {
        "effective_from": weights.effective_from.isoformat(),
        "weights": weights.as_dict(),
        "newcomer_weight": float(weights.newcomer_weight),
    }


@router.get("/applications/mine", response=list[ApplicationOut])
def my_applications(request):
    return [application_out(a) for a in selectors.applications_of(user=request.user)]


@router.get("/applications/{application_id}", response=ApplicationOut)
def application_get(request, application_id: Id):
    return application_out(selectors.application_get_for_user(user=request.user, application_id=application_id))


@router.post("/applications/{application_id}/transitions", response=ApplicationOut)
def application_transition(request, application_id: Id, payload: TransitionIn):
    application = selectors.application_get_for_user(user=request.user, application_id=application_id)
    application = services.application_transition(
        application=application, action=payload.action, actor=request.user, reason=payload.reason
    )
    return application_out(application)


@router.post("/applications/{application_id}/outcome", response=ApplicationOut)
def application_outcome(request, application_id: Id, payload: OutcomeIn):
    application = selectors.application_get_for_user(user=request.user, application_id=application_id)
    application = services.application_outcome_propose(
        application=application, actor=request.user, outcome=payload.outcome, hours=payload.hours
    )
    return application_out(application)


@router.post("/applications/{application_id}/role", response=ApplicationOut)
def application_role(request, application_id: Id, payload: RoleIn):
    application = selectors.application_get_for_user(user=request.user, application_id=application_id)
    return application_out(
        services.application_role_set(application=application, actor=request.user, role=payload.role)
    )


@router.post("/applications/{application_id}/confirm", response=ApplicationOut)
def application_confirm(request, application_id: Id):
    application = selectors.application_get_for_user(user=request.user, application_id=application_id)
    return application_out(services.application_outcome_confirm(application=application, actor=request.user))


@router.get("/{need_id}", response=NeedOut, auth=None)
def need_get(request, need_id: Id):
    return need_out(selectors.need_get_for_user(user=request.user, need_id=need_id))


@router.patch("/{need_id}", response=NeedOut)
def need_update(request, need_id: Id, payload: NeedPatch):
    need = selectors.need_get_for_manager(user=request.user, need_id=need_id)
    changes = payload.dict(exclude_unset=True)
    skills = changes.pop("skills", None)
    need = services.need_update(
        actor=request.user,
        need=need,
        skills=[(s["code"], s["level"]) for s in skills] if skills is not None else None,
        **changes,
    )
    return need_out(need)


@router.post("/{need_id}/transitions", response=NeedOut)
def need_transition(request, need_id: Id, payload: TransitionIn):
    need = selectors.need_get_for_manager(user=request.user, need_id=need_id)
    return need_out(
        services.need_transition(need=need, action=payload.action, actor=request.user, reason=payload.reason)
    )


@router.get("/{need_id}/people", response=list[RecommendationOut])
def recommended_people(request, need_id: Id, limit: int = 10):
    """People who agreed to be suggested and might fit the need, with reasons in the
    poster's words. Only for the posting organisation, and only when it is verified or the
    poster's trust level reaches the threshold in force (403 ``needs.candidates.not_allowed``
    with the reason otherwise; docs/MATCHING.md)."""
    need = selectors.need_get_for_manager(user=request.user, need_id=need_id)
    selectors.candidates_check(user=request.user, need=need)
    recs = selectors.recommended_people(need=need, limit=max(1, min(limit, 50)))
    return [{"user_id": r.person.pk, "display_name": str(r.person), "score": r.score, "parts": r.parts} for r in recs]


@router.get("/{need_id}/people/{user_id}", response=CandidateOut)
def candidate_detail(request, need_id: Id, user_id: Id):
    """One suggested person: the profile fields they agreed to show and the reasons. The
    opening is logged and the person sees it (``needs.candidate.viewed``)."""
    need = selectors.need_get_for_manager(user=request.user, need_id=need_id)
    selectors.candidates_check(user=request.user, need=need)
    rec, details = selectors.candidate_get(need=need, user_id=user_id)
    services.candidate_view_log(viewer=request.user, need=need, candidate=rec.person)
    return {**details, "score": rec.score, "parts": rec.parts}


@router.post("/{need_id}/applications", response={201: ApplicationOut})
@idempotent
def apply(request, need_id: Id, payload: ApplyIn):
    need = selectors.need_get_for_user(user=request.user, need_id=need_id)
    application = services.application_create(
        need=need, applicant=request.user, message=payload.message, bid_amount=payload.bid_amount
    )
    return Status(201, application_out(application))


@router.get("/{need_id}/applications", response=list[ApplicationOut])
def need_applications(request, need_id: Id):
    need = selectors.need_get_for_manager(user=request.user, need_id=need_id)
    return [application_out(a) for a in selectors.applications_for_need(need=need)]


@router.post("/{need_id}/allocate", response=list[ApplicationOut])
def bids_allocate(request, need_id: Id):
    """Allocate the free places of a CV-bidding need to the highest bids."""
    need = selectors.need_get_for_manager(user=request.user, need_id=need_id)
    return [application_out(a) for a in services.bids_allocate(need=need, actor=request.user)]


def lottery_out(draw: LotteryDraw) -> dict:
    replay = allocation.lottery_winners(draw.seed, draw.candidates, draw.places)
    return {
        "need_id": draw.need_id,
        "seed": draw.seed,
        "algorithm": draw.algorithm,
        "newcomer_weight": draw.newcomer_weight,
        "places": draw.places,
        "candidates": draw.candidates,
        "winners": draw.winners,
        "drawn_at": draw.drawn_at,
        "replay_matches": replay == draw.winners,
    }


@router.post("/{need_id}/lottery", response={201: LotteryOut})
@idempotent
def lottery_draw(request, need_id: Id, payload: LotteryIn):
    need = selectors.need_get_for_manager(user=request.user, need_id=need_id)
    return Status(201, lottery_out(services.lottery_draw(need=need, actor=request.user, seed=payload.seed)))


@router.get("/{need_id}/lottery", response=LotteryOut, auth=None)
def lottery_get(request, need_id: Id):
    """The recorded draw and whether replaying it gives the same winners (public audit)."""
    need = selectors.need_get_for_user(user=request.user, need_id=need_id)
    draw = LotteryDraw.objects.filter(need=need).first()
    if draw is None:
        raise Http404
    return lottery_out(draw)


__all__ = ["router", "PermissionDenied"]

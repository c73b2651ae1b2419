"""JSON API of the accounts app, over the same services and selectors as the pages."""

from datetime import time

from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Body, Status
from ninja.pagination import paginate

from meaningflow.accounts import selectors, services
from meaningflow.accounts.models import Interest, Membership, Organisation
from meaningflow.accounts.privacy_api import router as privacy_router
from meaningflow.accounts.schemas import (
    AvailabilityWindowIn,
    AvailabilityWindowOut,
    IdentityIn,
    IdentityOut,
    MembershipOut,
    MeOut,
    OrganisationIn,
    OrganisationOut,
    ProfileIn,
    ProfileOut,
    ProfileSkillIn,
    ProfileSkillOut,
    SkillDomainOut,
    SkillOut,
)
from meaningflow.core.errors import Forbidden
from meaningflow.core.idempotency import idempotent
from meaningflow.core.pagination import Pagination
from meaningflow.core.routers import ApiRouter
from meaningflow.core.validators import Id
from meaningflow.places import selectors as places

router = ApiRouter(tags=["accounts"])


def _me_out(user) -> dict:
    identity = getattr(user, "identity", None)
    return {
        "id": user.pk,
        "username": user.username,
        "display_name": user.display_name,
        "email": user.email,
        "preferred_language": user.preferred_language,
        "large_type": user.large_type,
        "verified": identity is not None,
        "identity": identity,
        "is_moderator": selectors.is_moderator(user=user),
        "officer_region_prefixes": selectors.officer_region_prefixes(user=user),
    }


@router.get("/me", response=MeOut)
def me(request):
    return _me_out(request.user)


@router.post("/me/identity", response={201: IdentityOut})
@idempotent
def identity_verify(request, payload: IdentityIn):
    identity = services.identity_verify(user=request.user, ip_address=request.META.get("REMOTE_ADDR"), **payload.dict())
    return Status(201, identity)


@router.get("/me/profile", response=ProfileOut)
def profile_get(request):
    return selectors.profile_of(user=request.user)


def _division_or_error(code: str | None):
    if not code:
        return None
    division = places.division_get(code)
    if division is None:
        raise ValidationError(
            {
                "home_division": ValidationError(
                    _("Unknown region code: %(code)s") % {"code": code}, code="profile.unknown_division"
                )
            }
        )
    return division


@router.put("/me/profile", response=ProfileOut)
def profile_put(request, payload: ProfileIn):
    home_city = None
    if payload.home_city_geonameid:
        home_city = places.city_by_geonameid(payload.home_city_geonameid)
        if home_city is None:
            raise ValidationError({"home_city": ValidationError(_("Unknown city."), code="profile.unknown_city")})
    regions = list(places.divisions_by_code(payload.travel_region_codes).values())
    if len(regions) != len(set(payload.travel_region_codes)):
        raise ValidationError(
            {
                "travel_regions": ValidationError(
                    _("Unknown region code in travel regions."), code="profile.unknown_travel_region"
                )
            }
        )
    interests = list(Interest.objects.filter(code__in=payload.interests)) if payload.interests else []
    if len(interests) != len(set(payload.interests)):
        raise ValidationError({"interests": ValidationError(_("Unknown interest."), code="profile.unknown_interest")})
    return services.profile_update(
        user=request.user,
        bio=payload.bio,
        home_division=_division_or_error(payload.home_division_code),
        home_city=home_city,
        travel_willingness=payload.travel_willingness,
        travel_regions=regions,
        languages=payload.languages,
        intentions=payload.intentions,
        interests=interests,
    )


@router.get("/me/skills", response=list[ProfileSkillOut])
def my_skills(request):
    return selectors.profile_skills(user=request.user)


@router.post("/me/skills", response={201: ProfileSkillOut})
@idempotent
def my_skill_set(request, payload: ProfileSkillIn):
    return Status(
        201,
        services.profile_skill_set(
            user=request.user, skill_code=payload.skill, level=payload.level, years=payload.years
        ),
    )


@router.delete("/me/skills/{code}", response={204: None})
def my_skill_remove(request, code: str):
    services.profile_skill_remove(user=request.user, skill_code=code)
    return Status(204, None)


# The week as a list, at most MAX_AVAILABILITY_WINDOWS long (the service checks it too).
_WEEK = Body(..., max_length=services.MAX_AVAILABILITY_WINDOWS)


@router.put("/me/availability", response=list[AvailabilityWindowOut])
def availability_put(request, payload: list[AvailabilityWindowIn] = _WEEK):
    windows: list[tuple[int, time, time]] = [(w.weekday, w.start_time, w.end_time) for w in payload]
    return services.availability_replace(user=request.user, windows=windows)


@router.get("/skills", response=list[SkillDomainOut], auth=None)
def skill_taxonomy(request):
    return selectors.skill_taxonomy()


@router.get("/skills/search", response=list[SkillOut], auth=None)
def skill_search(request, q: str = "", domain: str = ""):
    return selectors.skill_search(q=q, domain=domain)


@router.get("/organisations", response=list[OrganisationOut], auth=None)
@paginate(Pagination)
def organisation_list(request, q: str = "", type: str = ""):
    return selectors.organisation_list(q=q, type=type)


@router.post("/organisations", response={201: OrganisationOut})
@idempotent
def organisation_create(request, payload: OrganisationIn):
    data = payload.dict()
    division = _division_or_error(data.pop("division_code"))
    return Status(201, services.organisation_create(creator=request.user, division=division, **data))


@router.get("/organisations/{organisation_id}", response=OrganisationOut, auth=None)
def organisation_detail(request, organisation_id: Id):
    return get_object_or_404(Organisation, pk=organisation_id)


@router.get("/organisations/{organisation_id}/members", response=list[MembershipOut])
def organisation_members(request, organisation_id: Id):
    organisation = get_object_or_404(Organisation, pk=organisation_id)
    if not selectors.user_is_active_member(user=request.user, organisation=organisation):
        raise Forbidden(_("Only members can see the member list."), code="organisation.not_member")
    return organisation.memberships.select_related("user")


@router.post("/organisations/{organisation_id}/join", response={201: MembershipOut})
@idempotent
def organisation_join(request, organisation_id: Id):
    organisation = get_object_or_404(Organisation, pk=organisation_id)
    return Status(201, services.organisation_join_request(user=request.user, organisation=organisation))


@router.post("/organisations/{organisation_id}/members/{membership_id}/approve", response=MembershipOut)
def membership_approve(request, organisation_id: Id, membership_id: Id):
    membership = (
        Membership.objects.filter(pk=membership_id, organisation_id=organisation_id)
        .select_related("organisation", "user")
        .first()
    )
    if membership is None:
        raise Http404
    return services.membership_approve(actor=request.user, membership=membership)


@router.get("/me/organisations", response=list[MembershipOut])
def my_organisations(request):
    return selectors.organisations_of(user=request.user)


# PR-1: consents, profile views, the data export and account deletion (/api/v1/me/…).
router.add_router("", privacy_router)

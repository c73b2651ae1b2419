"""JSON API of personal-data rights (PR-1), over the same services as the privacy pages:
consents, who opened the person's profile, the data export and the account deletion.
Mounted under ``/api/v1/me/`` by ``accounts.api``."""

from django.core.exceptions import ValidationError
from django.http import FileResponse
from django.utils.translation import gettext as _
from ninja import Field, Schema

from meaningflow.accounts import privacy, selectors
from meaningflow.accounts.models import ConsentPurpose
from meaningflow.core.routers import ApiRouter
from meaningflow.core.schemas import InSchema

router = ApiRouter(tags=["privacy"])


class ConsentOut(Schema):
    purpose: ConsentPurpose
    label: str
    granted: bool
    renewal_needed: bool
    text: str
    text_version: int | None
    legal_basis: str
    legal_basis_label: str
    answered_version: int | None
    decided_at: str | None


class ConsentIn(InSchema):
    granted: bool


class ConsentEventOut(Schema):
    purpose: str
    granted: bool
    text_version: int
    source: str
    at: str


class ProfileViewOut(Schema):
    at: str
    organisation: str
    need: str
    need_id: int | None


class ReauthIn(InSchema):
    password: str = Field(min_length=1, max_length=200)


class ExportIn(ReauthIn):
    include_identity: bool = False


class DeleteIn(ReauthIn):
    confirm: bool


class DeletedOut(Schema):
    deleted: bool
    detail: str


def _consent_out(state: selectors.ConsentState) -> dict:
    text = state.text
    return {
        "purpose": state.purpose,
        "label": state.label,
        "granted": state.granted,
        "renewal_needed": state.renewal_needed,
        "text": text.text if text else "",
        "text_version": text.version if text else None,
        "legal_basis": text.legal_basis if text else "",
        "legal_basis_label": str(text.get_legal_basis_display()) if text else "",
        "answered_version": state.consent.text.version if state.consent else None,
        "decided_at": state.consent.decided_at.isoformat() if state.consent else None,
    }


@router.get("/me/consents", response=list[ConsentOut])
def consents(request):
    """Every purpose with the text in force, its legal basis and the person's answer."""
    return [_consent_out(state) for state in selectors.consents_of(user=request.user)]


@router.get("/me/consents/history", response=list[ConsentEventOut])
def consent_history(request):
    return [
        {
            "purpose": event.purpose,
            "granted": event.granted,
            "text_version": event.text.version,
            "source": event.source,
            "at": event.created_at.isoformat(),
        }
        for event in selectors.consent_history(user=request.user)[:500]
    ]


@router.put("/me/consents/{purpose}", response=ConsentOut)
def consent_set(request, purpose: ConsentPurpose, payload: ConsentIn):
    """Agree to (``granted: true``) or withdraw from a purpose; recorded with the text
    version in force and kept in the history."""
    privacy.consent_set(user=request.user, purpose=purpose, granted=payload.granted, source="api")
    state = next(s for s in selectors.consents_of(user=request.user) if s.purpose == purpose)
    return _consent_out(state)


@router.get("/me/profile-views", response=list[ProfileViewOut])
def profile_views(request):
    """Who opened the person's profile as a suggested person, newest first."""
    return [{**view, "at": view["at"].isoformat()} for view in selectors.profile_views_of(user=request.user, limit=500)]


@router.post(
    "/me/export",
    response={200: None},
    openapi_extra={
        "responses": {
            200: {
                "description": "A zip: README.txt, en/ and zh-hans/ (data.json and a CSV per table), cv_statement.json",
                "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def export(request, payload: ExportIn):
    """Everything the platform holds about the person (PR-1), after the password again."""
    ip_address = request.META.get("REMOTE_ADDR")
    privacy.reauthenticate(user=request.user, password=payload.password, ip_address=ip_address)
    archive, filename = privacy.personal_data_export(
        user=request.user, reveal_identity=payload.include_identity, ip_address=ip_address
    )
    return FileResponse(archive, as_attachment=True, filename=filename, content_type="application/zip")


@router.post("/me/delete", response=DeletedOut)
def delete(request, payload: DeleteIn):
    """Delete the account (PR-1): the password again and ``confirm: true``. 400 with one
    code per thing still in progress (``account.delete_blocked`` codes of the apps)."""
    if not payload.confirm:
        raise ValidationError(
            _("Confirm that the account is to be deleted for good."), code="account.delete_unconfirmed"
        )
    privacy.account_delete(user=request.user, password=payload.password, ip_address=request.META.get("REMOTE_ADDR"))
    return {"deleted": True, "detail": _("Your account is deleted. A confirmation went to its e-mail address.")}

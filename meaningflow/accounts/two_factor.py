"""Second factor for staff (PR-4): an authenticator app (TOTP, RFC 6238) with one-time
backup codes, on django-otp. Staff accounts — superusers, moderators, officers — see
sensitive personal data, so a password alone does not open their session:
``StaffTwoFactorMiddleware`` sends a staff session that has not passed the second factor
to set it up (first time) or to enter a code. django-otp keeps the verified device in the
session, limits guessing (each wrong code doubles the wait) and refuses a code used before.
"""

import time

from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from meaningflow.accounts import selectors
from meaningflow.core import transactions
from meaningflow.core.services import audit_log

BACKUP_CODES = 10
SETUP_DEVICE_NAME = "authenticator"
# The demo's staff accounts share one published authenticator key (README), as they share
# one published password; ``manage.py demo_two_factor_code`` shows its current code.
DEMO_KEY = b"meaningflow-demo-key"


def demo_authenticator_add(*, user) -> TOTPDevice:
    """Give a demo staff account the published demo key (the demo loader only)."""
    return TOTPDevice.objects.create(user=user, name="demo authenticator", key=DEMO_KEY.hex(), confirmed=True)


def demo_code(*, user) -> str:
    """The current code of a demo account's authenticator; refuses any other account."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True, key=DEMO_KEY.hex()).first()
    if device is None:
        raise ValidationError(
            _("Only the demo's staff accounts have a published authenticator key."), code="two_factor.not_demo_account"
        )
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    return f"{totp.token():0{device.digits}d}"


def setup_device(*, user) -> TOTPDevice:
    """The unconfirmed authenticator device being set up (a new secret if none)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    return device or TOTPDevice.objects.create(user=user, name=SETUP_DEVICE_NAME, confirmed=False)


def _too_many_attempts(device) -> ValidationError | None:
    allowed, _data = device.verify_is_allowed()
    if not allowed:
        return ValidationError(
            _("Too many wrong codes. Wait a little and try again."), code="two_factor.too_many_attempts"
        )
    return None


@transactions.transactional
def two_factor_enable(*, user, token: str) -> tuple[TOTPDevice, list[str]]:
    """Confirm the device being set up with a code from the app; returns the device and
    fresh backup codes (shown once). A wrong code changes nothing but the guess counter."""
    device = TOTPDevice.objects.select_for_update(no_key=True).get(pk=setup_device(user=user).pk)
    throttled = _too_many_attempts(device)
    if throttled:
        raise throttled
    if not device.verify_token(token.strip()):
        raise ValidationError(
            _("That code is not right. Enter the six digits your app shows now."), code="two_factor.wrong_code"
        )
    # One authenticator and one set of backup codes per person: earlier ones stop working.
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    StaticDevice.objects.filter(user=user).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    backup = StaticDevice.objects.create(user=user, name="backup codes", confirmed=True)
    codes = [StaticToken.random_token() for _i in range(BACKUP_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=backup, token=code) for code in codes)
    audit_log(actor=user, action="accounts.two_factor.enabled", subject=f"accounts.user:{user.pk}")
    return device, codes


@transactions.entry_point
def two_factor_check(*, user, token: str):
    """The device that accepts ``token`` (the authenticator's code, or a backup code, which
    is then used up). Raises ValidationError for a wrong code or too many attempts."""
    token = token.strip().replace(" ", "")
    with transactions.atomic():
        # Locked: two requests with guesses at once each see the other's failure count.
        authenticator = TOTPDevice.objects.select_for_update(no_key=True).filter(user=user, confirmed=True).first()
        if authenticator is None:
            raise ValidationError(_("Set up your authenticator app first."), code="two_factor.no_device")
        if len(token) == authenticator.digits and token.isdigit():
            throttled = _too_many_attempts(authenticator)
            if throttled:
                raise throttled
            if authenticator.verify_token(token):  # counts a wrong guess itself
                return authenticator
        else:  # backup codes are eight letters and digits; they have their own guess counter
            for backup in StaticDevice.objects.select_for_update(no_key=True).filter(user=user, confirmed=True):
                throttled = _too_many_attempts(backup)
                if throttled:
                    raise throttled
                if backup.verify_token(token):
                    audit_log(
                        actor=user, action="accounts.two_factor.backup_code_used", subject=f"accounts.user:{user.pk}"
                    )
                    return backup
    raise ValidationError(
        _("That code is not right. Enter the six digits your app shows now."), code="two_factor.wrong_code"
    )


class StaffTwoFactorMiddleware:
    """A staff session that has not passed the second factor reaches only the second-factor
    pages, logout, language switching and static files; pages redirect there (keeping the
    page asked for), the JSON API answers 403. Needs django-otp's ``OTPMiddleware`` above
    it (``request.user.is_verified``). Token-authenticated API calls carry no session and
    are not affected; personal tokens are made on a page, so only after the second factor."""

    EXEMPT_PREFIXES = ("/accounts/2fa/", "/accounts/logout/", "/i18n/", "/static/", "/media/", "/favicon")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not user.is_verified()
            and not request.path.startswith(self.EXEMPT_PREFIXES)
            and selectors.is_staff_member(user=user)
        ):
            if request.path.startswith("/api/"):
                # The API's one error shape (core.schemas.ApiError).
                detail = _("Staff accounts must confirm the second factor first.")
                return JsonResponse({"detail": detail, "code": "two_factor.required", "errors": []}, status=403)
            target = (
                "accounts:two_factor_verify" if selectors.two_factor_device(user=user) else "accounts:two_factor_setup"
            )
            return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)

"""Pages of personal-data rights (PR-1, journey J12): consents, who can see and who looked,
the data download and the deletion of the account. Thin views over ``privacy``; every
action ends on a page that says what happened and what comes next."""

import time

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from meaningflow.accounts import forms, privacy, selectors
from meaningflow.accounts.models import ConsentPurpose
from meaningflow.core.errors import add_errors_to_form

# After the password is checked, the download link works for this long in that session.
EXPORT_GRANT_SECONDS = 10 * 60
EXPORT_GRANT_KEY = "mf_privacy_export"


def _ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR")


@login_required
def privacy_home(request):
    user = request.user
    rule = selectors.disclosure_rule_in_force()
    return render(
        request,
        "accounts/privacy.html",
        {
            "consents": selectors.consents_of(user=user),
            "rule": rule,
            "matching": selectors.consent_granted(user=user, purpose=ConsentPurpose.MATCHING),
            "shown": selectors.CANDIDATE_SHOWN,
            "hidden": selectors.CANDIDATE_HIDDEN,
            "views": selectors.profile_views_of(user=user, limit=50),
            "history": selectors.consent_history(user=user)[:20],
        },
    )


@login_required
@require_POST
def consent_change(request, purpose: str):
    if purpose not in ConsentPurpose.values:
        raise Http404
    granted = request.POST.get("granted") == "1"
    try:
        consent = privacy.consent_set(user=request.user, purpose=purpose, granted=granted)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        label = ConsentPurpose(purpose).label
        if granted:
            messages.success(
                request,
                _("Saved: you agreed to “%(purpose)s” (text version %(version)s). You can withdraw here at any time.")
                % {"purpose": label, "version": consent.text.version},
            )
        else:
            messages.success(
                request,
                _("Saved: you withdrew from “%(purpose)s”. From now on your data is not used for it.")
                % {"purpose": label},
            )
    return redirect("accounts:privacy")


@login_required
def export_start(request):
    form = forms.ExportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            privacy.reauthenticate(user=request.user, password=form.cleaned_data["password"], ip_address=_ip(request))
        except ValidationError as exc:
            add_errors_to_form(form, exc)
        else:
            request.session[EXPORT_GRANT_KEY] = {
                "until": time.time() + EXPORT_GRANT_SECONDS,
                "reveal": form.cleaned_data["include_identity"],
            }
            return redirect("accounts:privacy_export_ready")
    return render(request, "accounts/privacy_export.html", {"form": form})


def _export_grant(request) -> dict | None:
    grant = request.session.get(EXPORT_GRANT_KEY)
    if not grant or grant.get("until", 0) < time.time():
        return None
    return grant


@login_required
def export_ready(request):
    grant = _export_grant(request)
    if grant is None:
        messages.info(request, _("Enter your password to download your data."))
        return redirect("accounts:privacy_export")
    return render(
        request,
        "accounts/privacy_export_ready.html",
        {"minutes": EXPORT_GRANT_SECONDS // 60, "reveal": grant["reveal"]},
    )


@login_required
def export_download(request):
    grant = _export_grant(request)
    if grant is None:
        messages.info(request, _("The download link has expired. Enter your password again."))
        return redirect("accounts:privacy_export")
    try:
        archive, filename = privacy.personal_data_export(
            user=request.user, reveal_identity=grant["reveal"], ip_address=_ip(request)
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("accounts:privacy")
    return FileResponse(archive, as_attachment=True, filename=filename, content_type="application/zip")


@login_required
def delete_account(request):
    form = forms.DeleteAccountForm(request.POST or None)
    blockers = privacy.deletion_blockers(user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            privacy.account_delete(user=request.user, password=form.cleaned_data["password"], ip_address=_ip(request))
        except ValidationError as exc:
            add_errors_to_form(form, exc)
            blockers = privacy.deletion_blockers(user=request.user)
        else:
            logout(request)
            return redirect("accounts:deleted")
    return render(request, "accounts/privacy_delete.html", {"form": form, "blockers": blockers})


def account_deleted(request):
    return render(request, "accounts/privacy_deleted.html")

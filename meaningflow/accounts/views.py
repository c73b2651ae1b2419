"""Pages of the accounts app: thin views that parse, authorise and call services."""

import textwrap
from base64 import b32encode

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from meaningflow.accounts import forms, privacy, selectors, services, two_factor
from meaningflow.accounts.identity import NUMBER_ERROR_CODES
from meaningflow.accounts.models import ConsentEvent, ConsentPurpose, Membership, Organisation, Skill
from meaningflow.core.errors import Forbidden, add_errors_to_form, validation_messages
from meaningflow.core.redirects import safe_next_url


def _language_remember(response, user):
    """Make the person's preferred language the one the site speaks to them (ID-6): the
    locale middleware reads this cookie before the browser's Accept-Language."""
    if user.preferred_language:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            user.preferred_language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
    return response


class LoginView(auth_views.LoginView):
    """Django's login, then the person's preferred language applies."""

    template_name = "accounts/login.html"

    def form_valid(self, form):
        return _language_remember(super().form_valid(form), form.get_user())


def register(request):
    if request.user.is_authenticated:
        return redirect("accounts:dashboard")
    form = forms.RegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.user_register(
                username=data["username"],
                email=data["email"],
                password=data["password1"],
                display_name=data["display_name"],
                language=request.LANGUAGE_CODE,
            )
        except ValidationError as exc:
            add_errors_to_form(form, exc)
        else:
            if data.get("consent_matching"):
                privacy.consent_set(
                    user=user, purpose=ConsentPurpose.MATCHING, granted=True, source=ConsentEvent.Source.REGISTRATION
                )
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Welcome! Your account is ready. Next, verify your identity."))
            return redirect("accounts:identity")
    return render(request, "accounts/register.html", {"form": form})


@login_required
def dashboard(request):
    user = request.user
    context = {
        "profile": selectors.profile_of(user=user),
        "skills": selectors.profile_skills(user=user),
        "memberships": selectors.organisations_of(user=user),
        "is_moderator": selectors.is_moderator(user=user),
        "officer_prefixes": selectors.officer_region_prefixes(user=user),
        "backup_codes_left": selectors.backup_codes_left(user=user),
    }
    return render(request, "accounts/dashboard.html", context)


@login_required
def identity(request):
    existing = getattr(request.user, "identity", None)
    form = forms.IdentityForm(request.POST or None)
    if existing is None and request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.identity_verify(
                user=request.user,
                document_type=data["document_type"],
                legal_name=data["legal_name"],
                number=data["number"],
                country=data["country"],
                ip_address=request.META.get("REMOTE_ADDR"),
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                add_errors_to_form(form, exc)
            elif getattr(exc, "code", None) in NUMBER_ERROR_CODES:
                form.add_error("number", exc)
            else:
                form.add_error(None, exc)
        else:
            messages.success(request, _("Your identity is verified."))
            return redirect("accounts:identity")
    return render(request, "accounts/identity.html", {"form": form, "identity": existing})


@login_required
def user_settings(request):
    user = request.user
    initial = {
        "display_name": user.display_name,
        "email": user.email,
        "phone": user.phone,
        "preferred_language": user.preferred_language,
        "large_type": user.large_type,
    }
    form = forms.SettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_settings_update(user=user, **form.cleaned_data)
        except ValidationError as exc:
            add_errors_to_form(form, exc)
        else:
            messages.success(request, _("Your settings are saved."))
            return _language_remember(redirect("accounts:settings"), user)
    return render(request, "accounts/settings.html", {"form": form})


@login_required
def profile_edit(request):
    profile = selectors.profile_of(user=request.user)
    initial = {
        "bio": profile.bio,
        "home_division": profile.home_division_id,
        "home_city": profile.home_city_id,
        "travel_willingness": profile.travel_willingness,
        "travel_regions": list(profile.travel_regions.all()),
        "languages": profile.languages,
        "intentions": profile.intentions,
        "interests": list(profile.interests.all()),
    }
    form = forms.ProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.profile_update(user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_errors_to_form(form, exc)
        else:
            messages.success(request, _("Your profile is saved."))
            return redirect("accounts:dashboard")
    return render(request, "accounts/profile_edit.html", {"form": form})


@login_required
def skills(request):
    form = forms.SkillForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.profile_skill_set(
                user=request.user, skill_code=data["skill"], level=data["level"], years=data["years"]
            )
        except ValidationError as exc:
            add_errors_to_form(form, exc)
        else:
            messages.success(request, _("Skill saved."))
            return redirect("accounts:skills")
    domain = form["domain"].value() or request.GET.get("domain") or ""
    context = {
        "form": form,
        "skills": selectors.profile_skills(user=request.user),
        "domain_skills": Skill.objects.filter(domain__code=domain) if domain else Skill.objects.none(),
    }
    return render(request, "accounts/skills.html", context)


@login_required
def skill_options(request):
    """htmx fragment: the skills of one domain, for the skill picker."""
    domain_skills = Skill.objects.filter(domain__code=request.GET.get("domain", ""))
    return render(request, "accounts/partials/skill_options.html", {"domain_skills": domain_skills})


@login_required
@require_POST
def skill_remove(request, code: str):
    services.profile_skill_remove(user=request.user, skill_code=code)
    if request.htmx:
        return render(
            request, "accounts/partials/skill_list.html", {"skills": selectors.profile_skills(user=request.user)}
        )
    return redirect("accounts:skills")


@login_required
def availability(request):
    profile = selectors.profile_of(user=request.user)
    initial = [
        {"weekday": w.weekday, "start_time": w.start_time, "end_time": w.end_time} for w in profile.availability.all()
    ]
    formset = forms.AvailabilityFormSet(request.POST or None, initial=initial)
    if request.method == "POST" and formset.is_valid():
        windows = [
            (f.cleaned_data["weekday"], f.cleaned_data["start_time"], f.cleaned_data["end_time"])
            for f in formset.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE")
        ]
        try:
            services.availability_replace(user=request.user, windows=windows)
        except ValidationError as exc:
            formset._non_form_errors = formset.error_class(validation_messages(exc))
        else:
            messages.success(request, _("Your availability is saved."))
            return redirect("accounts:dashboard")
    return render(request, "accounts/availability.html", {"formset": formset})


# --- Organisations ------------------------------------------------------------------


def _get_organisation_for_user(request, organisation_id: int) -> Organisation:
    organisation = Organisation.objects.select_related("division", "city").filter(pk=organisation_id).first()
    if organisation is None:
        raise Http404
    return organisation


def _get_membership_for_manager(request, organisation: Organisation, membership_id: int) -> Membership:
    membership = organisation.memberships.filter(pk=membership_id).select_related("user", "organisation").first()
    if membership is None:
        raise Http404
    if not selectors.user_can_manage_organisation(user=request.user, organisation=organisation):
        raise Forbidden(
            _("Only the organisation's owners and administrators can do this."), code="organisation.not_manager"
        )
    return membership


def organisation_list(request):
    organisations = selectors.organisation_list(q=request.GET.get("q", ""), type=request.GET.get("type", ""))
    return render(
        request,
        "accounts/organisation_list.html",
        {
            "organisations": organisations[:200],
            "types": Organisation.Type.choices,
            "q": request.GET.get("q", ""),
            "type": request.GET.get("type", ""),
        },
    )


@login_required
def organisation_create(request):
    form = forms.OrganisationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            organisation = services.organisation_create(creator=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_errors_to_form(form, exc)
        else:
            messages.success(request, _("The organisation is created. You are its owner."))
            return redirect("accounts:organisation_detail", organisation.pk)
    return render(request, "accounts/organisation_form.html", {"form": form})


def organisation_detail(request, organisation_id: int):
    organisation = _get_organisation_for_user(request, organisation_id)
    membership = selectors.membership_of(user=request.user, organisation=organisation)
    can_manage = membership is not None and membership.can_manage
    members = organisation.memberships.select_related("user")
    if not can_manage:
        members = members.filter(status=Membership.Status.ACTIVE)
    return render(
        request,
        "accounts/organisation_detail.html",
        {
            "organisation": organisation,
            "membership": membership,
            "can_manage": can_manage,
            "members": members,
            "role_choices": Membership.Role.choices,
            "is_moderator": selectors.is_moderator(user=request.user),
        },
    )


@login_required
@require_POST
def organisation_join(request, organisation_id: int):
    organisation = _get_organisation_for_user(request, organisation_id)
    try:
        services.organisation_join_request(user=request.user, organisation=organisation)
    except ValidationError as exc:
        messages.error(request, " ".join(validation_messages(exc)))
    else:
        messages.success(request, _("Your request to join was sent to the organisation."))
    return redirect("accounts:organisation_detail", organisation.pk)


@login_required
@require_POST
def membership_action(request, organisation_id: int, membership_id: int, action: str):
    organisation = _get_organisation_for_user(request, organisation_id)
    if action == "leave":
        membership = organisation.memberships.filter(pk=membership_id, user=request.user).first()
        if membership is None:
            raise Http404
    else:
        membership = _get_membership_for_manager(request, organisation, membership_id)
    try:
        if action == "approve":
            services.membership_approve(actor=request.user, membership=membership)
        elif action == "role":
            services.membership_set_role(actor=request.user, membership=membership, role=request.POST.get("role", ""))
        elif action in ("remove", "leave"):
            services.membership_remove(actor=request.user, membership=membership)
        else:
            raise Http404
    except ValidationError as exc:
        messages.error(request, " ".join(validation_messages(exc)))
    else:
        messages.success(request, _("Done."))
    return redirect("accounts:organisation_detail", organisation.pk)


@login_required
@require_POST
def organisation_verification(request, organisation_id: int, decision: str):
    organisation = _get_organisation_for_user(request, organisation_id)
    try:
        if decision == "request":
            services.organisation_request_verification(actor=request.user, organisation=organisation)
        elif decision in ("approve", "reject"):
            services.organisation_decide_verification(
                moderator=request.user,
                organisation=organisation,
                approve=decision == "approve",
                reason=request.POST.get("reason", ""),
            )
        else:
            raise Http404
    except ValidationError as exc:
        messages.error(request, " ".join(validation_messages(exc)))
    return redirect("accounts:organisation_detail", organisation.pk)


# --- API tokens ---------------------------------------------------------------------


@login_required
def api_tokens(request):
    form = forms.ApiTokenForm(request.POST or None)
    new_token = None
    if request.method == "POST" and form.is_valid():
        try:
            _token, new_token = services.api_token_create(user=request.user, name=form.cleaned_data["name"])
        except ValidationError as exc:
            add_errors_to_form(form, exc)
        else:
            form = forms.ApiTokenForm()
    return render(
        request,
        "accounts/api_tokens.html",
        {
            "form": form,
            "new_token": new_token,
            "tokens": request.user.api_tokens.all(),
        },
    )


@login_required
@require_POST
def api_token_revoke(request, token_id: int):
    try:
        services.api_token_revoke(user=request.user, token_id=token_id)
    except ValidationError:
        raise Http404 from None
    messages.success(request, _("The token is revoked."))
    return redirect("accounts:api_tokens")


def _safe_next(request) -> str:
    return safe_next_url(request, "accounts:dashboard")


@login_required
def two_factor_setup(request):
    """PR-4: a staff member links an authenticator app (scan the code or type the key),
    confirms it with a first code and receives backup codes, shown once."""
    if selectors.two_factor_device(user=request.user) and not request.user.is_verified():
        return redirect(f"{reverse('accounts:two_factor_verify')}?{urlencode({'next': _safe_next(request)})}")
    device = two_factor.setup_device(user=request.user)
    form = forms.TwoFactorCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device, codes = two_factor.two_factor_enable(user=request.user, token=form.cleaned_data["code"])
        except ValidationError as exc:
            form.add_error("code", exc)
        else:
            otp_login(request, device)
            return render(request, "accounts/two_factor_codes.html", {"codes": codes, "next": _safe_next(request)})
    qr = segno.make(device.config_url, error="m")
    return render(
        request,
        "accounts/two_factor_setup.html",
        {
            "form": form,
            "qr": qr.svg_data_uri(scale=5, border=2),
            "secret": " ".join(textwrap.wrap(b32encode(device.bin_key).decode(), 4)),
            "next": _safe_next(request),
        },
    )


@login_required
def two_factor_verify(request):
    """PR-4: a staff member with an authenticator enters a code to open the session."""
    if not selectors.two_factor_device(user=request.user):
        return redirect(f"{reverse('accounts:two_factor_setup')}?{urlencode({'next': _safe_next(request)})}")
    form = forms.TwoFactorCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = two_factor.two_factor_check(user=request.user, token=form.cleaned_data["code"])
        except ValidationError as exc:
            form.add_error("code", exc)
        else:
            otp_login(request, device)
            left = selectors.backup_codes_left(user=request.user)
            if left <= 3:
                messages.warning(
                    request,
                    ngettext(
                        "Only %(n)s backup code is left. Set up your authenticator again to get new ones.",
                        "Only %(n)s backup codes are left. Set up your authenticator again to get new ones.",
                        left,
                    )
                    % {"n": left},
                )
            return redirect(_safe_next(request))
    return render(request, "accounts/two_factor_verify.html", {"form": form, "next": _safe_next(request)})

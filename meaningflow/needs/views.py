"""Pages of the Dream Garden: thin views that parse, authorise and call services."""

from datetime import datetime, time

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from meaningflow.conversations import selectors as conversation_selectors
from meaningflow.conversations import services as conversation_services
from meaningflow.core.errors import add_errors_to_form, validation_messages
from meaningflow.needs import forms, selectors, services
from meaningflow.needs.models import Application, Need
from meaningflow.reviews import selectors as review_selectors


def _flash_error(request, exc) -> None:
    for message in validation_messages(exc) if isinstance(exc, ValidationError) else [str(exc)]:
        messages.error(request, message)


def _aware(value, end=False):
    if value is None:
        return None
    return timezone.make_aware(datetime.combine(value, time.max if end else time.min))


# --- browsing ---------------------------------------------------------------------------


def need_list(request):
    form = forms.SearchForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    remote = {"1": True, "0": False}.get(data.get("remote") or "")
    result = selectors.need_search(
        q=data.get("q", ""),
        region=data.get("region", ""),
        types=[data["type"]] if data.get("type") else [],
        reward=data.get("reward", ""),
        skills=[data["skill"]] if data.get("skill") else [],
        remote=remote,
        public_only=bool(data.get("public")),
        starts_after=_aware(data.get("starts_after")),
        ends_before=_aware(data.get("ends_before"), end=True),
        sort=data.get("sort", ""),
        page=request.GET.get("page", 1),
        user=request.user,
    )
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "result": result, "page": result.page, "query": query.urlencode()}
    if request.htmx:
        return render(request, "needs/partials/results.html", context)
    return render(request, "needs/list.html", context)


def need_detail(request, need_id: int):
    need = selectors.need_get_for_user(user=request.user, need_id=need_id)
    can_manage = services.can_manage_need(user=request.user, need=need)
    if request.user.is_authenticated and not can_manage:
        services.need_view_record(user=request.user, need=need)
    context = {
        "need": need,
        "skills": selectors.need_skills(need=need),
        "can_manage": can_manage,
        "application": selectors.application_of(user=request.user, need=need),
        "apply_form": forms.ApplyForm(),
        "lottery": getattr(need, "lottery", None) if need.allocation == Need.Allocation.LOTTERY else None,
    }
    return render(request, "needs/detail.html", context)


def how_matching_works(request):
    return render(request, "needs/how_matching_works.html", selectors.matching_rules())


@login_required
def recommended(request):
    recommendations = selectors.recommended_needs(user=request.user, limit=10)
    return render(request, "needs/recommended.html", {"recommendations": recommendations})


@login_required
@require_POST
def views_forget(request):
    """The person erases what they looked at (it stops counting in their matches)."""
    services.need_views_forget(user=request.user)
    messages.success(request, _("Done. What you looked at no longer counts in your recommendations."))
    return redirect("needs:recommended")


# --- managing needs ---------------------------------------------------------------------


@login_required
def need_create(request):
    form = forms.NeedForm(request.POST or None, user=request.user)
    if not form.fields["organisation"].queryset.exists():
        messages.error(request, _("Join an organisation first: needs are posted on behalf of one."))
        return redirect("accounts:organisation_list")
    if request.method == "POST" and form.is_valid():
        try:
            need = services.need_create(
                actor=request.user,
                organisation=form.cleaned_data["organisation"],
                skills=form.skills(),
                publish=form.cleaned_data.get("publish", False),
                **form.need_fields(),
            )
        except ValidationError as exc:
            add_errors_to_form(form, exc)
        except PermissionDenied as exc:
            form.add_error("organisation", str(exc))
        else:
            messages.success(request, _("Your need is saved."))
            return redirect("needs:detail", need_id=need.pk)
    return render(request, "needs/form.html", {"form": form, "creating": True})


@login_required
def need_edit(request, need_id: int):
    need = selectors.need_get_for_manager(user=request.user, need_id=need_id)
    form = forms.NeedForm(request.POST or None, instance=need, user=request.user, editing=True)
    if request.method == "POST" and form.is_valid():
        fields = form.need_fields()
        interests = fields.pop("interests")
        try:
            services.need_update(actor=request.user, need=need, skills=form.skills(), interests=interests, **fields)
        except ValidationError as exc:
            add_errors_to_form(form, exc)
        else:
            messages.success(request, _("Your changes are saved."))
            return redirect("needs:detail", need_id=need.pk)
    return render(request, "needs/form.html", {"form": form, "need": need})


@login_required
@require_POST
def need_transition(request, need_id: int):
    need = selectors.need_get_for_manager(user=request.user, need_id=need_id)
    try:
        services.need_transition(need=need, action=request.POST.get("action", ""), actor=request.user)
    except ValidationError as exc:
        _flash_error(request, exc)
    return redirect("needs:detail", need_id=need.pk)


@login_required
def my_needs(request):
    return render(
        request,
        "needs/my_needs.html",
        {"needs": selectors.needs_of_organisations(user=request.user)},
    )


@login_required
def need_applications(request, need_id: int):
    need = selectors.need_get_for_manager(user=request.user, need_id=need_id)
    # Suggested people only for verified organisations and trusted posters (item 7); the
    # others read why instead of the list.
    people_refused = selectors.candidates_refusal(user=request.user, need=need)
    context = {
        "need": need,
        "applications": selectors.applications_for_need(need=need),
        "roles_apply": need.type not in services.SKILL_TYPES,
        "people": [] if people_refused else selectors.recommended_people(need=need, limit=5),
        "people_refused": people_refused,
        "actions": ("shortlist", "accept", "decline", "start"),
    }
    return render(request, "needs/applications.html", context)


@login_required
def candidate_detail(request, need_id: int, user_id: int):
    """A suggested person's profile, as far as they agreed to show it; the opening is
    logged and they see it on their privacy page."""
    need = selectors.need_get_for_manager(user=request.user, need_id=need_id)
    refusal = selectors.candidates_refusal(user=request.user, need=need)
    if refusal is not None:
        return render(request, "needs/candidate_refused.html", {"need": need, "reason": str(refusal)}, status=403)
    recommendation, details = selectors.candidate_get(need=need, user_id=user_id)
    services.candidate_view_log(viewer=request.user, need=need, candidate=recommendation.person)
    return render(request, "needs/candidate.html", {"need": need, "rec": recommendation, "person": details})


@login_required
@require_POST
def need_allocate(request, need_id: int):
    need = selectors.need_get_for_manager(user=request.user, need_id=need_id)
    try:
        if need.allocation == Need.Allocation.LOTTERY:
            services.lottery_draw(need=need, actor=request.user)
        else:
            services.bids_allocate(need=need, actor=request.user)
    except ValidationError as exc:
        _flash_error(request, exc)
    else:
        messages.success(request, _("The places are allocated."))
    return redirect("needs:applications", need_id=need.pk)


# --- applications -----------------------------------------------------------------------


@login_required
@require_POST
def apply(request, need_id: int):
    need = selectors.need_get_for_user(user=request.user, need_id=need_id)
    form = forms.ApplyForm(request.POST)
    if form.is_valid():
        try:
            application = services.application_create(
                need=need,
                applicant=request.user,
                message=form.cleaned_data["message"],
                bid_amount=form.cleaned_data.get("bid_amount"),
            )
        except (ValidationError, PermissionDenied) as exc:
            _flash_error(request, exc)
        else:
            messages.success(request, _("Your application is sent."))
            return redirect("needs:application_detail", application_id=application.pk)
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect("needs:detail", need_id=need.pk)


@login_required
def my_applications(request):
    applications = selectors.applications_of(user=request.user)
    return render(request, "needs/my_applications.html", {"applications": applications})


@login_required
def application_detail(request, application_id: int):
    application = selectors.application_get_for_user(user=request.user, application_id=application_id)
    thread = None
    thread_messages = []
    if application.thread_id:
        thread = conversation_selectors.thread_for_subject(subject=application.subject)
        if thread is not None and conversation_selectors.is_participant(thread=thread, user=request.user):
            thread_messages = list(conversation_selectors.messages_of(thread=thread))
        else:
            thread = None
    window = review_selectors.window_for_subject(subject=application.subject)
    to_review = review_selectors.parties_to_review(window=window, user=request.user) if window else []
    is_applicant = application.applicant_id == request.user.pk
    roles_apply = application.need.type not in services.SKILL_TYPES
    context = {
        "application": application,
        "need": application.need,
        "is_applicant": is_applicant,
        "can_manage": not is_applicant,
        "roles_apply": roles_apply,
        "role_form": (
            forms.RoleForm(initial={"role": application.role})
            if roles_apply and not is_applicant and application.status in services.ROLE_OPEN
            else None
        ),
        "thread": thread,
        "thread_messages": thread_messages,
        "unread": selectors.unread_for_application(user=request.user, application=application),
        "outcome_form": forms.OutcomeForm(),
        "review_form": forms.ReviewForm() if to_review else None,
        "window": window,
        "S": Application.Status,
    }
    if thread is not None:
        conversation_services.thread_mark_read(thread=thread, user=request.user)
    return render(request, "needs/application_detail.html", context)


@login_required
@require_POST
def application_action(request, application_id: int):
    application = selectors.application_get_for_user(user=request.user, application_id=application_id)
    action = request.POST.get("action", "")
    try:
        if action == "propose":
            form = forms.OutcomeForm(request.POST)
            if not form.is_valid():
                raise ValidationError(form.errors.as_data())
            services.application_outcome_propose(
                application=application,
                actor=request.user,
                outcome=form.cleaned_data["outcome"],
                hours=form.cleaned_data["hours"],
            )
        elif action == "confirm":
            services.application_outcome_confirm(application=application, actor=request.user)
        elif action == "role":
            services.application_role_set(
                application=application, actor=request.user, role=request.POST.get("role", "")
            )
        elif action == "message":
            thread = conversation_selectors.thread_for_subject(subject=application.subject)
            if thread is None:
                raise ValidationError(_("This application has no conversation."), code="application.no_thread")
            conversation_services.message_post(thread=thread, sender=request.user, body=request.POST.get("body", ""))
        elif action == "review":
            form = forms.ReviewForm(request.POST)
            if not form.is_valid():
                raise ValidationError(form.errors.as_data())
            services.review_write(
                application=application,
                author=request.user,
                rating=form.cleaned_data["rating"],
                comment=form.cleaned_data["comment"],
            )
        else:
            services.application_transition(application=application, action=action, actor=request.user)
    except (ValidationError, PermissionDenied) as exc:
        _flash_error(request, exc)
    next_url = request.POST.get("next", "")
    if next_url == "applications" and services.can_manage_need(user=request.user, need=application.need):
        return redirect("needs:applications", need_id=application.need_id)
    return redirect("needs:application_detail", application_id=application.pk)

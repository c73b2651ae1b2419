"""Officer workspace (GV-10) and the person's own page (/assistance/me/).

Officers see only their region: a person elsewhere is a 404, a non-officer gets 403.
Sensitive fields are masked; reveals and exports need a reason and are audited.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from meaningflow.accounts import selectors as account_selectors
from meaningflow.assistance import discovery, forms, policy, selectors, services
from meaningflow.assistance.models import PlanStep, PushItem, RegistryPerson, Warning
from meaningflow.assistance.reasons import RECOGNITION_REASONS, push_title
from meaningflow.assistance.tasks import discovery_task
from meaningflow.core.errors import Forbidden, validation_messages
from meaningflow.core.redirects import safe_next_url

PAGE_SIZE = 50


def _require_officer(request) -> list[str]:
    if not request.user.is_authenticated:
        raise PermissionDenied
    prefixes = selectors.officer_prefixes(user=request.user)
    if not prefixes:
        raise Forbidden(_("This workspace is for government officers."), code="assistance.not_officer")
    return prefixes


def _get_person_for_user(request, pk: int) -> RegistryPerson:
    _require_officer(request)
    return selectors.person_for_officer(user=request.user, pk=pk)


def _flash_errors(request, exc: ValidationError) -> None:
    for message in validation_messages(exc):
        messages.error(request, message)


def _skill_choices():
    return [(skill.code, skill.name) for domain in account_selectors.skill_taxonomy() for skill in domain.skills.all()]


@login_required
def workspace(request):
    prefixes = _require_officer(request)
    filters = {key: request.GET.get(key, "") for key in ("recognised", "category", "warnings")}
    persons = selectors.persons_for_officer(user=request.user, **filters)
    total = persons.count()
    raw_page = request.GET.get("page", "1")
    page = max(1, int(raw_page)) if raw_page.isdigit() else 1
    context = {
        "prefixes": prefixes,
        "persons": persons[(page - 1) * PAGE_SIZE : page * PAGE_SIZE],
        "total": total,
        "page": page,
        "has_next": total > page * PAGE_SIZE,
        "filters": filters,
        "categories": [(code, label) for code, (label, _variable) in RECOGNITION_REASONS.items()],
        "imports": selectors.imports_for_officer(user=request.user)[:5],
        "open_warnings": selectors.warnings_for_officer(user=request.user).count(),
        "export_form": forms.ExportForm(initial=filters),
    }
    return render(request, "assistance/workspace.html", context)


@login_required
def import_upload(request):
    prefixes = _require_officer(request)
    choices = [p or "全国" for p in prefixes]
    form = forms.ImportForm(request.POST or None, request.FILES or None, prefixes=choices)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        limit = services.DEFAULT_MAX_BYTES
        if upload.size > limit:
            form.add_error("file", _("The file is larger than %(limit)s bytes.") % {"limit": limit})
        else:
            try:
                batch = services.registry_import(
                    actor=request.user,
                    region_prefix=form.cleaned_data["region"],
                    filename=upload.name,
                    content=upload.read(),
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                return redirect("assistance:import_detail", pk=batch.pk)
    return render(request, "assistance/import.html", {"form": form})


@login_required
def import_detail(request, pk: int):
    _require_officer(request)
    batch = selectors.import_for_officer(user=request.user, pk=pk)
    rows = batch.report.get("rows", [])
    return render(
        request,
        "assistance/import_detail.html",
        {
            "batch": batch,
            "rejected_rows": [r for r in rows if r["status"] == "rejected"],
            "noted_rows": [r for r in rows if r.get("notes")][:500],
            "rows": rows[:500],
        },
    )


@login_required
def import_report(request, pk: int):
    _require_officer(request)
    batch = selectors.import_for_officer(user=request.user, pk=pk)
    response = HttpResponse(services.import_report_csv(batch=batch).encode("utf-8-sig"), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="import-{batch.pk}-report.csv"'
    return response


@login_required
@require_POST
def discover(request):
    prefixes = _require_officer(request)
    region = request.POST.get("region") or prefixes[0]
    if region not in prefixes:
        raise PermissionDenied
    result = discovery_task.enqueue(region_prefix=region, actor_id=request.user.pk)
    if result.is_finished:
        summary = result.return_value
        messages.success(
            request,
            _(
                "Discovery finished: %(persons)s persons, %(recognised)s recognised, "
                "%(nearly)s nearly eligible, %(pushes)s items to push."
            )
            % {
                "persons": summary["persons"],
                "recognised": summary["recognised"],
                "nearly": summary["nearly"],
                "pushes": summary["push_candidates"],
            },
        )
    else:
        messages.success(request, _("Discovery has started; refresh this page in a moment."))
    return redirect("assistance:workspace")


@login_required
def person_detail(request, pk: int):
    person = _get_person_for_user(request, pk)
    today = timezone.localdate()
    stable_months = int(
        policy.national_system().parameters(discovery.current_period(today)).case.stable_employment_months
    )
    context = {
        "person": person,
        "recognition": getattr(person, "recognition", None),
        "reason_labels": {code: label for code, (label, _v) in RECOGNITION_REASONS.items()},
        "explanation": discovery.explain_person(person, today=today),
        "pushes": [(push, push_title(push.reason_code)) for push in selectors.pushes_of(person=person)],
        "plan": getattr(person, "plan", None),
        "timeline": selectors.timeline(person=person),
        "warnings": person.warnings.filter(resolved_at__isnull=True),
        "stable_since": selectors.stable_employment_since(person=person, today=today, months=stable_months),
        "stable_months": stable_months,
        "reveal_form": forms.ReasonForm(),
        "plan_form": forms.PlanForm(initial={"goals": getattr(getattr(person, "plan", None), "goals", "")}),
        "step_form": forms.PlanStepForm(),
        "event_form": forms.CaseEventForm(initial={"occurred_on": today}),
        "resolve_form": forms.ResolveForm(),
    }
    return render(request, "assistance/person_detail.html", context)


@login_required
@require_POST
def person_reveal(request, pk: int):
    person = _get_person_for_user(request, pk)
    form = forms.ReasonForm(request.POST)
    revealed = None
    if form.is_valid():
        try:
            revealed = services.person_reveal(actor=request.user, person=person, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            form.add_error("reason", exc)
    template = "assistance/partials/revealed.html"
    if not request.htmx:
        template = "assistance/revealed_page.html"
    return render(request, template, {"person": person, "revealed": revealed, "reveal_form": form})


def _profile_edit(request, person: RegistryPerson, *, template: str, back: str):
    profile = getattr(person, "profile", None)
    initial = (
        {}
        if profile is None
        else {
            "skills": profile.skills,
            "intentions": profile.intentions,
            "service_needs": profile.service_needs,
            "region_preference": profile.region_preference,
            "notes": profile.notes,
        }
    )
    form = forms.AssistanceProfileForm(request.POST or None, initial=initial, skill_choices=_skill_choices())
    if request.method == "POST" and form.is_valid():
        try:
            services.assistance_profile_update(actor=request.user, person=person, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The profile has been saved."))
            return redirect(back)
    return render(request, template, {"form": form, "person": person})


@login_required
def person_profile(request, pk: int):
    person = _get_person_for_user(request, pk)
    return _profile_edit(
        request,
        person,
        template="assistance/profile_form.html",
        back=f"/assistance/persons/{person.pk}/",
    )


@login_required
@require_POST
def plan_save(request, pk: int):
    person = _get_person_for_user(request, pk)
    form = forms.PlanForm(request.POST)
    if form.is_valid():
        services.plan_set(actor=request.user, person=person, goals=form.cleaned_data["goals"])
        messages.success(request, _("The plan has been saved."))
    else:
        messages.error(request, _("Write the goals of the plan."))
    return redirect("assistance:person_detail", pk=person.pk)


@login_required
@require_POST
def plan_step_add(request, pk: int):
    person = _get_person_for_user(request, pk)
    form = forms.PlanStepForm(request.POST)
    plan = getattr(person, "plan", None)
    if plan is None:
        messages.error(request, _("Save the plan's goals first."))
    elif form.is_valid():
        services.plan_step_add(actor=request.user, plan=plan, **form.cleaned_data)
    else:
        messages.error(request, _("Give the step a name and a due date."))
    return redirect("assistance:person_detail", pk=person.pk)


@login_required
@require_POST
def plan_step_status(request, pk: int):
    _require_officer(request)
    step = get_object_or_404(PlanStep.objects.select_related("plan__person"), pk=pk)
    person = selectors.person_for_officer(user=request.user, pk=step.plan.person_id)
    try:
        services.plan_step_set_status(actor=request.user, step=step, status=request.POST.get("status", ""))
    except ValidationError as exc:
        _flash_errors(request, exc)
    return redirect("assistance:person_detail", pk=person.pk)


@login_required
@require_POST
def case_event_add(request, pk: int):
    person = _get_person_for_user(request, pk)
    form = forms.CaseEventForm(request.POST)
    if form.is_valid():
        services.case_event_record(actor=request.user, person=person, **form.cleaned_data)
        messages.success(request, _("The event has been added to the case file."))
    else:
        messages.error(request, _("Choose what happened, the date and a description."))
    return redirect("assistance:person_detail", pk=person.pk)


@login_required
@require_POST
def push_send(request, pk: int):
    _require_officer(request)
    push = get_object_or_404(PushItem.objects.select_related("person"), pk=pk)
    selectors.person_for_officer(user=request.user, pk=push.person_id)
    try:
        services.push_send(actor=request.user, push=push)
    except ValidationError as exc:
        _flash_errors(request, exc)
    else:
        messages.success(request, _("Pushed: %(title)s") % {"title": push_title(push.reason_code)})
    return redirect("assistance:person_detail", pk=push.person_id)


@login_required
def warning_list(request):
    _require_officer(request)
    return render(
        request,
        "assistance/warnings.html",
        {
            "warnings": selectors.warnings_for_officer(user=request.user)[:500],
            "resolve_form": forms.ResolveForm(),
        },
    )


@login_required
@require_POST
def warning_resolve(request, pk: int):
    _require_officer(request)
    warning = get_object_or_404(Warning.objects.select_related("person"), pk=pk)
    selectors.person_for_officer(user=request.user, pk=warning.person_id)
    form = forms.ResolveForm(request.POST)
    if form.is_valid():
        try:
            services.warning_resolve(actor=request.user, warning=warning, resolution=form.cleaned_data["resolution"])
        except ValidationError as exc:
            _flash_errors(request, exc)
    else:
        messages.error(request, _("Say how the warning was resolved."))
    return redirect(safe_next_url(request, "assistance:warning_list"))


@login_required
def export(request):
    _require_officer(request)
    form = forms.ExportForm(request.POST or None, initial=request.GET.dict())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        persons = selectors.persons_for_officer(
            user=request.user,
            recognised=data["recognised"],
            category=data["category"],
            warnings=data["warnings"],
        )
        content, content_type, filename = services.persons_export(
            actor=request.user, persons=persons, fmt=data["format"], reason=data["reason"]
        )
        response = HttpResponse(content, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    return render(request, "assistance/export.html", {"form": form})


# --- the person's own pages -----------------------------------------------------------


@login_required
def my_pushes(request):
    pushes = list(selectors.pushes_for_user(user=request.user))
    for push in pushes:
        if push.status == PushItem.Status.SENT:
            services.push_respond(user=request.user, push=push, response=PushItem.Status.VIEWED)
            push.status = PushItem.Status.VIEWED
    return render(
        request,
        "assistance/me.html",
        {
            "pushes": [(push, push_title(push.reason_code)) for push in pushes],
            "persons": selectors.persons_of_user(user=request.user),
        },
    )


@login_required
@require_POST
def my_push_respond(request, pk: int):
    push = get_object_or_404(PushItem.objects.select_related("person"), pk=pk)
    if push.person.user_id != request.user.pk:
        raise Http404
    try:
        services.push_respond(user=request.user, push=push, response=request.POST.get("response", ""))
    except ValidationError as exc:
        _flash_errors(request, exc)
    else:
        messages.success(request, _("Thank you, your answer has been recorded."))
    return redirect("assistance:my_pushes")


@login_required
def my_profile(request, pk: int):
    person = get_object_or_404(RegistryPerson, pk=pk, user=request.user)
    return _profile_edit(request, person, template="assistance/profile_form.html", back="/assistance/me/")

from django import forms
from django.utils.translation import gettext_lazy as _

from meaningflow.accounts import selectors as account_selectors
from meaningflow.assistance.models import CaseEvent, ServiceNeed
from meaningflow.core.validators import RECORD, date_validator


class ImportForm(forms.Form):
    region = forms.ChoiceField(label=_("Region"), help_text=_("Rows outside this region are rejected."))
    file = forms.FileField(
        label=_("Registry file"),
        help_text=_("CSV (UTF-8 or GB18030) or Excel .xlsx with the columns of the registry schema."),
    )

    def __init__(self, *args, prefixes: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [(p, p) for p in prefixes]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        # .xls passes: the import's report then says how to convert it (save as .xlsx or CSV UTF-8).
        if not upload.name.lower().endswith((".csv", ".xlsx", ".txt", ".xls")):
            raise forms.ValidationError(_("Upload a .csv or .xlsx file."), code="import.file_type")
        return upload


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Why do you need this?"),
        max_length=300,
        min_length=5,
        help_text=_("Recorded in the audit log with your name and the time."),
    )


class ExportForm(ReasonForm):
    format = forms.ChoiceField(label=_("Format"), choices=[("csv", "CSV"), ("xlsx", "Excel (.xlsx)")])
    recognised = forms.CharField(required=False, widget=forms.HiddenInput)
    category = forms.CharField(required=False, widget=forms.HiddenInput)
    warnings = forms.CharField(required=False, widget=forms.HiddenInput)


class AssistanceProfileForm(forms.Form):
    skills = forms.MultipleChoiceField(
        label=_("Skills"), required=False, widget=forms.SelectMultiple(attrs={"size": 8})
    )
    intentions = forms.MultipleChoiceField(
        label=_("Intentions"),
        required=False,
        choices=account_selectors.intention_choices,
        widget=forms.CheckboxSelectMultiple,
    )
    service_needs = forms.MultipleChoiceField(
        label=_("Service needs"),
        required=False,
        choices=ServiceNeed.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    region_preference = forms.RegexField(
        label=_("Preferred region code"),
        regex=r"^[0-9]{6}$",
        required=False,
        help_text=_("Six-digit GB/T 2260 code, e.g. 430100 for Changsha."),
    )
    notes = forms.CharField(label=_("Notes"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, skill_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["skills"].choices = skill_choices


class PlanForm(forms.Form):
    goals = forms.CharField(label=_("Goals of the plan"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))


class PlanStepForm(forms.Form):
    title = forms.CharField(label=_("Step"), max_length=200)
    due_on = forms.DateField(
        label=_("Due on"), widget=forms.DateInput(attrs={"type": "date"}), validators=[date_validator(RECORD)]
    )


class CaseEventForm(forms.Form):
    kind = forms.ChoiceField(label=_("What happened"), choices=CaseEvent.Kind.choices)
    occurred_on = forms.DateField(
        label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}), validators=[date_validator(RECORD)]
    )
    title = forms.CharField(label=_("Description"), max_length=200)


class ResolveForm(forms.Form):
    resolution = forms.CharField(label=_("How was it resolved?"), max_length=300)

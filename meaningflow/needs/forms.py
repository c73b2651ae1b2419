"""Forms of the Dream Garden pages. They parse input; the services validate and write."""

from django import forms
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from meaningflow.accounts import selectors as accounts_selectors
from meaningflow.accounts.selectors import language_codes, language_name
from meaningflow.core.validators import EVENT, MAX_AMOUNT, date_validator
from meaningflow.needs.models import DESCRIPTION_MAX, MESSAGE_MAX, Application, Need
from meaningflow.needs.services import NEED_FIELDS
from meaningflow.places import selectors as places_selectors

SKILL_SLOTS = 3
# The need form shows the fields the services accept (``NEED_FIELDS``, in that order), with
# the organisation first and the interests after the working languages.
_AFTER_LANGUAGES = NEED_FIELDS.index("working_languages") + 1
NEED_FORM_FIELDS = [
    "organisation",
    *NEED_FIELDS[:_AFTER_LANGUAGES],
    "interests",
    *NEED_FIELDS[_AFTER_LANGUAGES:],
]


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def format_value(self, value):
        if hasattr(value, "strftime"):
            if timezone.is_aware(value):
                value = timezone.localtime(value)
            return value.strftime("%Y-%m-%dT%H:%M")
        return value


class NeedForm(forms.ModelForm):
    organisation = forms.ModelChoiceField(queryset=None, label=_("Posted by"))
    division = forms.ModelChoiceField(
        queryset=places_selectors.division_choices(),
        required=False,
        label=_("Region in China"),
    )
    city = forms.ModelChoiceField(
        queryset=places_selectors.abroad_city_choices(),
        required=False,
        label=_("City abroad"),
    )
    working_languages = forms.MultipleChoiceField(
        choices=(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Working languages"),
    )
    interests = forms.ModelMultipleChoiceField(
        queryset=accounts_selectors.interest_list(),
        required=False,
        to_field_name="code",
        label=_("Interests"),
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 6}), max_length=DESCRIPTION_MAX
    )
    publish = forms.BooleanField(required=False, label=_("Publish now"), initial=True)

    class Meta:
        model = Need
        fields = NEED_FORM_FIELDS
        widgets = {
            "starts_at": DateTimeInput(),
            "ends_at": DateTimeInput(),
            "application_deadline": DateTimeInput(),
        }

    def __init__(self, *args, user=None, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = accounts_selectors.active_organisations_of(user=user)
        lang = get_language() or "en"
        self.fields["working_languages"].choices = [(c, language_name(c, lang)) for c in language_codes()[:8]]
        # Places may be entered as any integer so that the service explains a bad value.
        self.fields["places"] = forms.IntegerField(label=_("Places"), initial=1)
        levels = [("", "—"), *accounts_selectors.skill_level_choices()]
        skills = [("", "—"), *accounts_selectors.skill_choices()]
        for i in range(1, SKILL_SLOTS + 1):
            self.fields[f"skill_{i}"] = forms.ChoiceField(
                choices=skills, required=False, label=_("Skill %(n)d") % {"n": i}
            )
            self.fields[f"level_{i}"] = forms.TypedChoiceField(
                choices=levels,
                coerce=int,
                required=False,
                empty_value=None,
                label=_("Minimum level for skill %(n)d") % {"n": i},
            )
        for name in ("starts_at", "ends_at", "application_deadline"):
            self.fields[name].validators.append(date_validator(EVENT))
        if editing:
            del self.fields["organisation"]
            del self.fields["publish"]
            if self.instance.pk:
                self.initial["interests"] = [i.code for i in self.instance.interests.all()]
                for i, ns in enumerate(self.instance.skills.select_related("skill")[:SKILL_SLOTS], start=1):
                    self.initial[f"skill_{i}"] = ns.skill.code
                    self.initial[f"level_{i}"] = ns.level

    def _post_clean(self):
        # Model validation happens in the service (one place for the rules).
        pass

    def skills(self) -> list[tuple[str, int]]:
        out = []
        for i in range(1, SKILL_SLOTS + 1):
            code = self.cleaned_data.get(f"skill_{i}")
            if code:
                out.append((code, self.cleaned_data.get(f"level_{i}") or 1))
        return out

    def need_fields(self) -> dict:
        """The need's own fields (``NEED_FIELDS``) and the interest codes, for the services."""
        data = {name: self.cleaned_data[name] for name in NEED_FIELDS if name in self.cleaned_data}
        data["interests"] = [i.code for i in self.cleaned_data.get("interests") or []]
        return data


class SearchForm(forms.Form):
    q = forms.CharField(
        required=False,
        max_length=200,
        label=_("Search"),
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    region = forms.CharField(
        required=False,
        max_length=6,
        label=_("Region code"),
        help_text=_("GB/T 2260 prefix, e.g. 43 for Hunan or 4301 for Changsha."),
    )
    type = forms.ChoiceField(required=False, choices=[("", _("Any type")), *Need.Type.choices], label=_("Type"))
    reward = forms.ChoiceField(required=False, choices=[("", _("Any reward")), *Need.Reward.choices], label=_("Reward"))
    skill = forms.CharField(required=False, max_length=100, label=_("Skill code"))
    remote = forms.ChoiceField(
        required=False,
        label=_("Remote"),
        choices=[("", _("Either")), ("1", _("Remote only")), ("0", _("On site only"))],
    )
    public = forms.BooleanField(required=False, label=_("Government public needs only"))
    starts_after = forms.DateField(
        required=False,
        label=_("From"),
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[date_validator(EVENT)],
    )
    ends_before = forms.DateField(
        required=False,
        label=_("Until"),
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[date_validator(EVENT)],
    )
    sort = forms.ChoiceField(
        required=False,
        label=_("Sort by"),
        choices=[
            ("", _("Default")),
            ("relevance", _("Relevance")),
            ("newest", _("Newest")),
            ("starting_soon", _("Starting soon")),
            ("best_match", _("Best match for me")),
        ],
    )


class ApplyForm(forms.Form):
    message = forms.CharField(
        label=_("Message to the organisers"),
        required=False,
        max_length=MESSAGE_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    bid_amount = forms.IntegerField(
        label=_("CV you offer (held until allocation)"), required=False, min_value=1, max_value=MAX_AMOUNT
    )


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(label=_("How did it go?"), choices=Application.Outcome.choices)
    hours = forms.DecimalField(
        label=_("Hours given"), required=False, min_value=0.5, max_value=10_000, max_digits=7, decimal_places=1
    )


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role in this need"), choices=Application.Role.choices)


class ReviewForm(forms.Form):
    rating = forms.TypedChoiceField(label=_("Rating"), coerce=int, choices=[(i, str(i)) for i in range(5, 0, -1)])
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

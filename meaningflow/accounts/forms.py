"""Forms parse and present; the services decide. Errors surface as field errors."""

import gettext

import pycountry
from django import forms
from django.conf import settings
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from meaningflow.accounts import selectors
from meaningflow.accounts.models import (
    AvailabilityWindow,
    Identity,
    Intention,
    Interest,
    Membership,
    Organisation,
    SkillDomain,
    SkillLevel,
    TravelWillingness,
)
from meaningflow.places import selectors as places


class RegistrationForm(forms.Form):
    username = forms.RegexField(
        label=_("Username"),
        max_length=40,
        regex=r"^[\w.@+-]+$",
        help_text=_("Letters, digits and @ . + - _ only; you log in with it."),
        error_messages={"invalid": _("Use only letters, digits and @ . + - _.")},
    )
    display_name = forms.CharField(label=_("Name shown to others"), max_length=80, required=False)
    email = forms.EmailField(label=_("E-mail address"), required=True, help_text=_("Used to reset your password."))
    password1 = forms.CharField(label=_("Password"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    password2 = forms.CharField(
        label=_("Password again"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    consent_matching = forms.BooleanField(
        label=_("Suggest me to organisations that look for people like me"),
        required=False,
        help_text=_("Optional. You can change it any time on your privacy page, which shows what they would see."),
    )

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error(
                "password2", forms.ValidationError(_("The two passwords differ."), code="user.passwords_differ")
            )
        return data


def country_choices():
    zh = (get_language() or "").startswith("zh")
    translate = _pycountry_translator("zh_CN") if zh else (lambda s: s)
    return sorted(((c.alpha_2, translate(c.name)) for c in pycountry.countries), key=lambda pair: pair[1])


def _pycountry_translator(locale: str):
    try:
        catalogue = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[locale])
        return catalogue.gettext
    except OSError:
        return lambda s: s


class IdentityForm(forms.Form):
    document_type = forms.ChoiceField(label=_("Document"), choices=Identity.DocumentType.choices)
    legal_name = forms.CharField(
        label=_("Legal name"), max_length=100, help_text=_("Exactly as printed on the document.")
    )
    number = forms.CharField(
        label=_("Document number"),
        max_length=30,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    country = forms.ChoiceField(label=_("Issuing country (passports)"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = [("", "—")] + country_choices()


class SettingsForm(forms.Form):
    display_name = forms.CharField(label=_("Name shown to others"), max_length=80, required=False)
    email = forms.EmailField(label=_("E-mail address"))
    phone = forms.CharField(
        label=_("Mobile phone"), max_length=30, required=False, help_text=_("Stored encrypted; others never see it.")
    )
    preferred_language = forms.ChoiceField(
        label=_("Language"), choices=[("", "—"), *settings.LANGUAGES], required=False
    )
    large_type = forms.BooleanField(label=_("Large type and simpler pages"), required=False)


class ProfileForm(forms.Form):
    bio = forms.CharField(
        label=_("About me"), widget=forms.Textarea(attrs={"rows": 4}), max_length=2000, required=False
    )
    home_division = forms.ModelChoiceField(
        label=_("Home city in China"),
        required=False,
        queryset=places.prefecture_choices().none(),
    )
    home_city = forms.ModelChoiceField(
        label=_("Home city abroad"), required=False, queryset=places.large_city_choices().none()
    )
    travel_willingness = forms.ChoiceField(label=_("How far would you travel?"), choices=TravelWillingness.choices)
    travel_regions = forms.ModelMultipleChoiceField(
        label=_("Provinces you would travel to"),
        required=False,
        queryset=places.province_choices().none(),
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    languages = forms.MultipleChoiceField(
        label=_("Languages you speak"), required=False, widget=forms.CheckboxSelectMultiple
    )
    intentions = forms.MultipleChoiceField(
        label=_("What are you looking for?"),
        required=False,
        choices=Intention.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    interests = forms.ModelMultipleChoiceField(
        label=_("Interests"), required=False, queryset=Interest.objects.all(), widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        lang = get_language() or "zh-hans"
        self.fields["home_division"].queryset = places.prefecture_choices()
        self.fields["home_city"].queryset = places.large_city_choices()
        self.fields["travel_regions"].queryset = places.province_choices()
        self.fields["languages"].choices = [(c, selectors.language_name(c, lang)) for c in selectors.language_codes()]


class SkillForm(forms.Form):
    domain = forms.ModelChoiceField(
        label=_("Field"), queryset=SkillDomain.objects.all(), required=False, to_field_name="code"
    )
    skill = forms.CharField(label=_("Skill"))
    level = forms.TypedChoiceField(label=_("Level"), choices=SkillLevel.choices, coerce=int)
    years = forms.IntegerField(label=_("Years of experience"), min_value=0, max_value=80, initial=0)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Choosing a field reloads the skill list (htmx; no inline script, so the
        # Content-Security-Policy needs no exception).
        self.fields["domain"].widget.attrs.update(
            {
                "hx-get": reverse("accounts:skill_options"),
                "hx-target": "#id_skill",
                "hx-trigger": "change",
                "hx-include": "this",
            }
        )


class AvailabilityForm(forms.Form):
    weekday = forms.TypedChoiceField(label=_("Day"), choices=AvailabilityWindow.Weekday.choices, coerce=int)
    start_time = forms.TimeField(label=_("From"), widget=forms.TimeInput(attrs={"type": "time"}))
    end_time = forms.TimeField(label=_("Until"), widget=forms.TimeInput(attrs={"type": "time"}))

    def clean(self):
        data = super().clean()
        if data.get("start_time") and data.get("end_time") and data["end_time"] <= data["start_time"]:
            self.add_error(
                "end_time",
                forms.ValidationError(_("The window must end after it starts."), code="availability.ends_before_start"),
            )
        return data


AvailabilityFormSet = forms.formset_factory(AvailabilityForm, extra=2, can_delete=True, max_num=21)


class OrganisationForm(forms.ModelForm):
    website = forms.URLField(label=_("Website"), required=False, max_length=200, assume_scheme="https")

    class Meta:
        model = Organisation
        fields = ["name", "name_en", "type", "description", "division", "city", "website"]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["division"].queryset = places.division_choices()
        self.fields["city"].queryset = places.large_city_choices()


class MembershipRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Membership.Role.choices)


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Token name"), max_length=80, help_text=_("For example the name of the program that will use it.")
    )


class TwoFactorCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=16,
        strip=True,
        help_text=_("The six digits your authenticator app shows now, or one of your backup codes."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}),
    )


# --- Personal-data rights (PR-1) ------------------------------------------------------


class ReauthenticateForm(forms.Form):
    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=_("We ask for it again before this step."),
    )


class ExportForm(ReauthenticateForm):
    include_identity = forms.BooleanField(
        label=_("Include my full document number and legal name (otherwise masked)"), required=False
    )


class DeleteAccountForm(ReauthenticateForm):
    confirm = forms.BooleanField(
        label=_("I understand that my account is deleted for good and cannot be restored."), required=True
    )

"""Forms of the Shared World pages: they parse; the services decide."""

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from meaningflow.core.validators import EVENT, MAX_AMOUNT, date_validator
from meaningflow.places import selectors as places_selectors
from meaningflow.resources.models import CancellationPolicy, Facility, Resource
from meaningflow.resources.services.listing import NUMBER_BOUNDS


class ResourceForm(forms.ModelForm):
    division = forms.ModelChoiceField(
        queryset=places_selectors.prefecture_choices(),
        required=False,
        label=_("Region in China"),
        help_text=_("Choose this or a city abroad."),
    )
    city_name = forms.CharField(
        required=False,
        max_length=100,
        label=_("City abroad"),
        help_text=_("For example Tokyo, Berlin, Chiang Mai."),
    )
    facilities = forms.ModelMultipleChoiceField(
        queryset=Facility.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Facilities"),
        to_field_name="code",
    )
    units = forms.IntegerField(
        min_value=1,
        max_value=200,
        initial=1,
        label=_("Bookable units"),
        help_text=_("For example 3 for three beds in one room."),
    )
    latitude = forms.FloatField(required=False, label=_("Latitude"), min_value=-90, max_value=90)
    longitude = forms.FloatField(required=False, label=_("Longitude"), min_value=-180, max_value=180)

    class Meta:
        model = Resource
        fields = [
            "type",
            "title_zh",
            "title_en",
            "description",
            "house_rules",
            "division",
            "city_name",
            "address",
            "latitude",
            "longitude",
            "capacity",
            "units",
            "facilities",
            "payment",
            "price_amount",
            "price_currency",
            "slot",
            "min_slots",
            "max_slots",
            "lead_time_hours",
            "preparation_minutes",
            "booking_mode",
            "min_trust_level",
            "requires_verified_identity",
            "cancellation_policy",
            "is_exchange",
            "exchange_hours_per_day",
            "exchange_provides",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "house_rules": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["slot"].required = False
        for name, (low, high) in NUMBER_BOUNDS.items():  # the same bounds as the service's
            if name in self.fields:
                self.fields[name].validators += [MinValueValidator(low), MaxValueValidator(high)]
                self.fields[name].widget.attrs.update({"min": low, "max": high})
        self.fields["cancellation_policy"].help_text = " · ".join(
            f"{p.get_code_display()}: {p.description}"
            for p in CancellationPolicy.objects.order_by("code", "-effective_from").distinct()
        )
        if self.instance.pk:
            del self.fields["units"]

    def clean(self):
        data = super().clean()
        name = (data.get("city_name") or "").strip()
        data["city"] = None
        if name:
            found = places_selectors.city_search(name, limit=1)
            if not found:
                self.add_error(
                    "city_name",
                    forms.ValidationError(_("No city of that name is known."), code="resource.city_unknown"),
                )
            else:
                data["city"] = found[0]
        return data

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        place = {"division": data.pop("division", None), "city": data.pop("city", None)}
        data.pop("city_name", None)
        data["facilities"] = [f.code for f in data.pop("facilities", [])]
        if not data.get("slot"):
            data.pop("slot", None)
        return {**data, **place}

    def _post_clean(self):
        # The service validates the model (it needs the place first); skip ModelForm's
        # instance validation here.
        pass


class BookingForm(forms.Form):
    start = forms.CharField(label=_("From"), help_text=_("Check-in date, or date and time for hourly bookings."))
    end = forms.CharField(label=_("Until"), help_text=_("Check-out date, last day, or end time."))
    people = forms.IntegerField(min_value=1, max_value=100, initial=1, label=_("People"))
    message = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        label=_("Message to the owner"),
    )

    def __init__(self, *args, resource=None, **kwargs):
        super().__init__(*args, **kwargs)
        if resource is not None and resource.slot != Resource.Slot.HOURLY:
            self.fields["start"].widget = forms.DateInput(attrs={"type": "date"})
            self.fields["end"].widget = forms.DateInput(attrs={"type": "date"})
        elif resource is not None:
            self.fields["start"].widget = forms.DateTimeInput(attrs={"type": "datetime-local", "step": 3600})
            self.fields["end"].widget = forms.DateTimeInput(attrs={"type": "datetime-local", "step": 3600})


class PhotoForm(forms.Form):
    image = forms.FileField(label=_("Photo"), help_text=_("JPEG, PNG, WebP or GIF, at most 10 MB."))
    alt_text = forms.CharField(required=False, max_length=200, label=_("Describe the photo"))


class BlockForm(forms.Form):
    starts_on = forms.DateField(
        label=_("From"), widget=forms.DateInput(attrs={"type": "date"}), validators=[date_validator(EVENT)]
    )
    ends_on = forms.DateField(
        label=_("Until (exclusive)"),
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[date_validator(EVENT)],
    )
    reason = forms.CharField(required=False, max_length=200, label=_("Reason"))


class ReasonForm(forms.Form):
    reason = forms.CharField(
        required=False, max_length=1000, label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2})
    )


class CheckInForm(forms.Form):
    as_agreed = forms.TypedChoiceField(
        choices=[("1", _("Yes, as agreed")), ("0", _("No, not as agreed"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
        label=_("Is the stay going as agreed?"),
    )
    note = forms.CharField(required=False, max_length=1000, label=_("Note"))


class SearchForm(forms.Form):
    type = forms.ChoiceField(
        required=False, choices=[("", _("Any type"))] + list(Resource.Type.choices), label=_("Type")
    )
    region = forms.CharField(
        required=False,
        max_length=20,
        label=_("Region code or city"),
        help_text=_("A region code such as 430100 (Changsha) or 43 (Hunan), or a city name."),
    )
    date_from = forms.DateField(
        required=False,
        label=_("From"),
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[date_validator(EVENT)],
    )
    date_to = forms.DateField(
        required=False,
        label=_("Until"),
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[date_validator(EVENT)],
    )
    price_max = forms.DecimalField(required=False, min_value=0, max_value=MAX_AMOUNT, label=_("Highest money price"))
    cv_max = forms.IntegerField(
        required=False, min_value=0, max_value=MAX_AMOUNT, label=_("Highest CV per night, day or hour")
    )
    facilities = forms.ModelMultipleChoiceField(
        queryset=Facility.objects.all(),
        required=False,
        to_field_name="code",
        widget=forms.CheckboxSelectMultiple,
        label=_("Facilities"),
    )
    public_only = forms.BooleanField(required=False, label=_("Public resources only"))

    def clean(self):
        data = super().clean()
        if bool(data.get("date_from")) != bool(data.get("date_to")):
            raise forms.ValidationError(_("Give both dates, or neither."), code="search.dates_incomplete")
        if data.get("date_from") and data.get("date_to") and data["date_to"] <= data["date_from"]:
            raise forms.ValidationError(_("The end date must be after the start date."), code="search.dates_reversed")
        region = (data.get("region") or "").strip()
        if region and not region.isdigit() and not region.startswith("geo:"):
            found = places_selectors.city_search(region, limit=1)
            if found:
                region = f"geo:{found[0].geonameid}"
            else:
                division = places_selectors.division_by_name(region)
                if division is None:
                    self.add_error(
                        "region",
                        forms.ValidationError(
                            _("No region or city of that name is known."), code="search.region_unknown"
                        ),
                    )
                region = division.code.rstrip("0") if division else ""
        data["region"] = region
        return data

from django import forms
from django.utils.translation import gettext_lazy as _

from meaningflow.core.validators import MAX_ID
from meaningflow.reviews.models import Review, SafetyTag
from meaningflow.reviews.rules import COMMENT_MAX_LENGTH

RATING_CHOICES = [
    (1, _("1 — Poor")),
    (2, _("2 — Fair")),
    (3, _("3 — Good")),
    (4, _("4 — Very good")),
    (5, _("5 — Excellent")),
]


class ReviewForm(forms.Form):
    """One party's review of one other party; the page shows one form per person."""

    subject_user = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=MAX_ID)
    rating = forms.TypedChoiceField(label=_("Rating"), choices=RATING_CHOICES, coerce=int, widget=forms.RadioSelect)
    outcome = forms.ChoiceField(
        label=_("How did it go?"),
        choices=[("", _("Not stated"))] + list(Review.Outcome.choices),
        required=False,
    )
    comment = forms.CharField(
        label=_("Comment"),
        max_length=COMMENT_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Shown to the other participants once the reviews are revealed."),
    )
    safety_tags = forms.MultipleChoiceField(
        label=_("Private safety concerns"),
        choices=SafetyTag.Tag.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Only moderators see these; the person you review never does."),
    )
    safety_note = forms.CharField(
        label=_("Private note for moderators"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

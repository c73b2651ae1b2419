from django import forms
from django.utils.translation import gettext_lazy as _

from meaningflow.conversations.models import MESSAGE_MAX_LENGTH


class MessageForm(forms.Form):
    body = forms.CharField(
        label=_("Your message"),
        max_length=MESSAGE_MAX_LENGTH,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("At most %(max)d characters. The others are notified by e-mail.") % {"max": MESSAGE_MAX_LENGTH},
    )

"""Publishing a new dated version of the formula parameters (CV-7)."""

from datetime import date
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from meaningflow.core import transactions
from meaningflow.core.services import audit_log
from meaningflow.ledger.models import ParameterSet
from meaningflow.ledger.parameters import validate_document


@transactions.entry_point
def parameter_set_publish(
    *,
    document: dict[str, Any],
    effective_from: date,
    note: str = "",
    actor: AbstractBaseUser | None = None,
    allow_past: bool = False,
) -> ParameterSet:
    """Publish a new version from ``effective_from``. Records already computed keep their
    version; a date in the past is refused (it would silently re-price nothing, and
    confuse readers) unless ``allow_past`` is set for data repair."""
    validate_document(document)
    if effective_from < timezone.localdate() and not allow_past:
        raise ValidationError(
            _("A new parameter version cannot take effect in the past."), code="ledger.parameters_in_past"
        )
    with transactions.atomic():
        version = (ParameterSet.objects.aggregate(v=Max("version"))["v"] or 0) + 1
        params = ParameterSet.objects.create(
            version=version,
            effective_from=effective_from,
            published=True,
            document=document,
            note=note,
        )
        audit_log(
            actor=actor,
            action="ledger.parameters.published",
            subject=f"ledger.parameterset:{params.pk}",
            data={"version": version, "effective_from": effective_from.isoformat()},
        )
    return params

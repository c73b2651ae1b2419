"""Admin: parameters are edited here (CV-7); ledger rows are read-only (append-only)."""

import json

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from meaningflow.ledger.models import (
    Contribution,
    Domain,
    Hold,
    ParameterSet,
    Transaction,
    TrustFact,
)
from meaningflow.ledger.parameters import validate_document


class ParameterSetForm(forms.ModelForm):
    class Meta:
        model = ParameterSet
        fields = ["version", "effective_from", "published", "document", "note"]

    def clean_document(self):
        document = self.cleaned_data["document"]
        validate_document(document)
        return document

    def clean(self):
        cleaned = super().clean()
        if (
            self.instance.pk
            and self.instance.published
            and Contribution.objects.filter(parameters=self.instance).exists()
        ):
            raise ValidationError(
                _(
                    "This version has been used by recorded contributions; publish a new "
                    "version instead."
                )
            )
        return cleaned


@admin.register(ParameterSet)
class ParameterSetAdmin(admin.ModelAdmin):
    form = ParameterSetForm
    list_display = ["version", "effective_from", "published", "note", "created_at"]
    list_filter = ["published"]
    actions = ["duplicate_as_draft"]

    @admin.action(description=_("Copy as a new unpublished version"))
    def duplicate_as_draft(self, request, queryset):
        from django.db.models import Max

        for params in queryset:
            version = (ParameterSet.objects.aggregate(v=Max("version"))["v"] or 0) + 1
            ParameterSet.objects.create(
                version=version,
                effective_from=params.effective_from,
                published=False,
                document=json.loads(json.dumps(params.document)),
                note=f"copy of v{params.version}",
            )


@admin.register(Domain)
class DomainAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "name_zh",
        "name_en",
        "conversion_rate",
        "conversion_budget",
        "is_active",
    ]
    readonly_fields = ["code"]

    def has_add_permission(self, request):
        return False  # created through services.domain_create (it also creates the unit)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Transaction)
class TransactionAdmin(ReadOnlyAdmin):
    list_display = ["id", "kind", "cause", "created_at", "seq"]
    list_filter = ["kind"]
    search_fields = ["cause", "idempotency_key"]


@admin.register(Contribution)
class ContributionAdmin(ReadOnlyAdmin):
    list_display = ["id", "beneficiary", "kind", "amount", "credited", "occurred_on"]
    list_filter = ["kind"]


@admin.register(Hold)
class HoldAdmin(ReadOnlyAdmin):
    list_display = ["id", "owner", "amount", "consumed", "status", "cause", "expires_at"]
    list_filter = ["status"]


@admin.register(TrustFact)
class TrustFactAdmin(ReadOnlyAdmin):
    list_display = ["user", "kind", "cause", "created_at"]

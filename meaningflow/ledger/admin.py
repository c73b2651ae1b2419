"""Admin: parameters are edited here (CV-7); ledger rows are read-only (append-only)."""

import json

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Max
from django.utils.translation import gettext_lazy as _

from meaningflow.ledger.models import (
    Contribution,
    Domain,
    DomainTerms,
    Hold,
    ParameterSet,
    Transaction,
    TrustFact,
)
from meaningflow.ledger.parameters import validate_document
from meaningflow.ledger.services.domains import domain_terms_date_check, domain_terms_publish


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
                _("This version has been used by recorded contributions; publish a new version instead."),
                code="ledger.parameters_in_use",
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
        for params in queryset:
            version = (ParameterSet.objects.aggregate(v=Max("version"))["v"] or 0) + 1
            ParameterSet.objects.create(
                version=version,
                effective_from=params.effective_from,
                published=False,
                document=json.loads(json.dumps(params.document)),
                note=f"copy of v{params.version}",
            )


class DomainTermsInline(admin.TabularInline):
    """Published versions are read-only here; a new version is added below the domain list
    (Domain conversion terms → Add)."""

    model = DomainTerms
    fields = ["version", "effective_from", "conversion_rate", "conversion_budget", "note"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Domain)
class DomainAdmin(admin.ModelAdmin):
    list_display = ["code", "name_zh", "name_en", "is_active"]
    readonly_fields = ["code"]
    inlines = [DomainTermsInline]

    def has_add_permission(self, request):
        return False  # created through services.domain_create (it also creates the unit)


class DomainTermsForm(forms.ModelForm):
    class Meta:
        model = DomainTerms
        fields = ["domain", "effective_from", "conversion_rate", "conversion_budget", "note"]

    def clean_effective_from(self):
        effective_from = self.cleaned_data["effective_from"]
        domain_terms_date_check(effective_from)
        return effective_from


@admin.register(DomainTerms)
class DomainTermsAdmin(admin.ModelAdmin):
    """New versions only, through the service (version number, audit); never edited."""

    form = DomainTermsForm
    list_display = ["domain", "version", "effective_from", "conversion_rate", "conversion_budget"]
    list_filter = ["domain"]

    def has_change_permission(self, request, obj=None):
        return obj is None

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        published = domain_terms_publish(
            domain=data["domain"],
            conversion_rate=data["conversion_rate"],
            conversion_budget=data["conversion_budget"],
            effective_from=data["effective_from"],
            note=data["note"],
            actor=request.user,
        )
        obj.pk, obj.version = published.pk, published.version


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

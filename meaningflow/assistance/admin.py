from django.contrib import admin

from meaningflow.assistance.models import (
    Household,
    ImportBatch,
    PushItem,
    Recognition,
    RegistryApiClient,
    RegistryPerson,
    Warning,
)


@admin.register(RegistryPerson)
class RegistryPersonAdmin(admin.ModelAdmin):
    # Sensitive fields stay out of the admin: officers reveal them, audited, in the workspace.
    list_display = ("id_masked", "region_code", "registration_status", "work_form", "user")
    list_filter = ("registration_status", "work_form", "occupation_category")
    search_fields = ("id_masked", "region_code")
    fields = (
        "id_masked",
        "region_code",
        "birth_date",
        "sex",
        "registration_status",
        "work_form",
        "occupation_category",
        "registered_unemployed_since",
        "graduation_date",
        "exited_on",
        "household",
        "user",
    )
    readonly_fields = fields


@admin.register(Household)
class HouseholdAdmin(admin.ModelAdmin):
    list_display = ("code", "region_code", "dibao", "zero_employment")


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "source",
        "filename",
        "region_prefix",
        "status",
        "accepted",
        "updated",
        "rejected",
    )
    readonly_fields = [f.name for f in ImportBatch._meta.fields]


@admin.register(RegistryApiClient)
class RegistryApiClientAdmin(admin.ModelAdmin):
    list_display = ("name", "region_prefix", "token_prefix", "created_at", "revoked_at")
    readonly_fields = ("token_prefix", "token_hash", "created_at", "last_used_at")


admin.site.register(Recognition)
admin.site.register(PushItem)
admin.site.register(Warning)

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils import timezone

from meaningflow.accounts.models import (
    ApiToken,
    ConsentEvent,
    ConsentText,
    DisclosureRule,
    Identity,
    Interest,
    Membership,
    Organisation,
    Profile,
    Skill,
    SkillDomain,
    StaffRole,
    User,
)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "display_name", "email", "is_staff", "date_joined"]
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        ("Meaning Flow", {"fields": ["display_name", "preferred_language", "large_type"]}),
    )
    search_fields = ["username", "display_name", "email"]


@admin.register(Identity)
class IdentityAdmin(admin.ModelAdmin):
    # PR-2: only the masked number is shown here; revealing goes through the audited service.
    list_display = ["user", "document_type", "country", "number_masked", "region_code", "verified_at"]
    fields = ["user", "document_type", "country", "number_masked", "birth_date", "region_code", "verified_at"]
    readonly_fields = fields
    search_fields = ["user__username", "number_masked"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class SkillInline(admin.TabularInline):
    model = Skill
    extra = 0


@admin.register(SkillDomain)
class SkillDomainAdmin(admin.ModelAdmin):
    list_display = ["code", "name_zh", "name_en", "position"]
    inlines = [SkillInline]


@admin.register(Skill)
class SkillAdmin(admin.ModelAdmin):
    list_display = ["code", "name_zh", "name_en", "domain", "difficulty"]
    list_filter = ["domain"]
    search_fields = ["code", "name_zh", "name_en"]


admin.site.register(Interest)
admin.site.register(Profile)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "type", "division", "verification_status", "created_at"]
    list_filter = ["type", "verification_status"]
    search_fields = ["name", "name_en"]
    inlines = [MembershipInline]
    raw_id_fields = ["created_by", "verified_by"]


@admin.register(StaffRole)
class StaffRoleAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "region_prefix", "department", "active", "granted_at"]
    list_filter = ["role", "active"]
    raw_id_fields = ["user", "granted_by"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["user", "name", "prefix", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["user", "name", "prefix", "token_hash", "created_at", "last_used_at"]


@admin.register(ConsentText)
class ConsentTextAdmin(admin.ModelAdmin):
    """PR-1: a version people agreed to is never edited; a new wording is a new version."""

    list_display = ["purpose", "version", "effective_from", "legal_basis", "requires_renewal"]
    list_filter = ["purpose"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return [f.name for f in self.model._meta.fields]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(DisclosureRule)
class DisclosureRuleAdmin(admin.ModelAdmin):
    """Item 7: who sees the people suggested for a need, dated (add a row from a date on)."""

    list_display = ["effective_from", "candidates_min_trust_level", "verified_organisations_see_candidates", "note"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None or obj.effective_from > timezone.localdate():
            return []
        return [f.name for f in self.model._meta.fields]


@admin.register(ConsentEvent)
class ConsentEventAdmin(admin.ModelAdmin):
    list_display = ["user", "purpose", "granted", "text", "source", "created_at"]
    list_filter = ["purpose", "granted", "source"]
    raw_id_fields = ["user"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

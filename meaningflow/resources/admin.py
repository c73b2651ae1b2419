from django.contrib import admin

from meaningflow.resources.models import (
    BlockedPeriod,
    Booking,
    BookingLine,
    BookingTransition,
    CancellationPolicy,
    Facility,
    NoShow,
    PaymentDue,
    Resource,
    ResourceUnit,
    RuleSet,
    SafeguardCase,
)


@admin.register(Facility)
class FacilityAdmin(admin.ModelAdmin):
    list_display = ["code", "name_zh", "name_en", "position"]


@admin.register(CancellationPolicy)
class CancellationPolicyAdmin(admin.ModelAdmin):
    list_display = ["code", "effective_from", "rules", "description_en"]


@admin.register(RuleSet)
class RuleSetAdmin(admin.ModelAdmin):
    list_display = ["effective_from", "note"]


class UnitInline(admin.TabularInline):
    model = ResourceUnit
    extra = 0


class BlockInline(admin.TabularInline):
    model = BlockedPeriod
    extra = 0


@admin.register(Resource)
class ResourceAdmin(admin.ModelAdmin):
    list_display = ["id", "title_zh", "title_en", "type", "region_key", "is_public", "status"]
    list_filter = ["type", "is_public", "status", "payment"]
    search_fields = ["title_zh", "title_en"]
    raw_id_fields = ["owner", "organisation", "division", "city"]
    inlines = [UnitInline, BlockInline]


class LineInline(admin.TabularInline):
    model = BookingLine
    extra = 0
    can_delete = False


class TransitionInline(admin.TabularInline):
    model = BookingTransition
    extra = 0
    can_delete = False
    readonly_fields = ["action", "from_status", "to_status", "actor", "reason", "at"]


@admin.register(Booking)
class BookingAdmin(admin.ModelAdmin):
    """Read-only: bookings change only through the services (state machine + ledger)."""

    list_display = [
        "id",
        "resource",
        "unit",
        "guest",
        "status",
        "starts_at",
        "ends_at",
        "cv_amount",
    ]
    list_filter = ["status", "is_exchange", "credit_status"]
    inlines = [LineInline, TransitionInline]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PaymentDue)
class PaymentDueAdmin(admin.ModelAdmin):
    list_display = ["booking", "amount", "currency", "refund_amount", "status", "provider"]

    def has_change_permission(self, request, obj=None):
        return False


admin.site.register(SafeguardCase)
admin.site.register(NoShow)

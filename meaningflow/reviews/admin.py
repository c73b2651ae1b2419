from django.contrib import admin

from meaningflow.reviews.models import Party, Review, ReviewWindow, SafetyTag


class PartyInline(admin.TabularInline):
    model = Party
    extra = 0
    raw_id_fields = ["user"]


@admin.register(ReviewWindow)
class ReviewWindowAdmin(admin.ModelAdmin):
    list_display = ["subject", "title", "opens_at", "closes_at", "revealed_at"]
    list_filter = ["revealed_at"]
    search_fields = ["subject", "title"]
    inlines = [PartyInline]


class SafetyTagInline(admin.TabularInline):
    model = SafetyTag
    extra = 0


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    """Reviews are not editable after submission; the admin shows them read-only."""

    list_display = ["window", "author", "subject_user", "rating", "created_at"]
    list_select_related = ["window", "author", "subject_user"]
    list_filter = ["rating"]
    search_fields = ["window__subject", "author__username", "subject_user__username"]
    inlines = [SafetyTagInline]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(SafetyTag)
class SafetyTagAdmin(admin.ModelAdmin):
    list_display = ["tag", "review", "created_at"]
    list_filter = ["tag"]
    raw_id_fields = ["review"]

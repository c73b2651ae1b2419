from django.contrib import admin

from meaningflow.needs.models import Application, LotteryDraw, MatchingWeights, Need, NeedSkill


@admin.register(MatchingWeights)
class MatchingWeightsAdmin(admin.ModelAdmin):
    """Dated matching weights (TR-6): add a row with a future date to change them."""

    list_display = (
        "effective_from",
        "skills",
        "interests",
        "distance",
        "time",
        "language",
        "trust",
        "reward",
        "newcomer_weight",
        "note",
    )


class NeedSkillInline(admin.TabularInline):
    model = NeedSkill
    extra = 0
    raw_id_fields = ("skill",)


@admin.register(Need)
class NeedAdmin(admin.ModelAdmin):
    list_display = (
        "title",
        "organisation",
        "type",
        "status",
        "region_code",
        "starts_at",
        "filled_places",
        "places",
    )
    list_filter = ("status", "type", "is_public_need", "allocation")
    search_fields = ("title", "title_en", "title_zh")
    raw_id_fields = ("organisation", "created_by", "division", "city")
    readonly_fields = ("filled_places", "search_document")
    inlines = [NeedSkillInline]


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    list_display = ("need", "applicant", "status", "created_at")
    list_filter = ("status",)
    raw_id_fields = ("need", "applicant")
    readonly_fields = ("status", "thread_id", "contribution_id")


@admin.register(LotteryDraw)
class LotteryDrawAdmin(admin.ModelAdmin):
    list_display = ("need", "seed", "places", "drawn_at")
    readonly_fields = (
        "need",
        "seed",
        "algorithm",
        "newcomer_weight",
        "places",
        "candidates",
        "winners",
        "drawn_by",
    )

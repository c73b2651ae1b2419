from django.contrib import admin

from meaningflow.places.models import City, Division


class ReferenceDataAdmin(admin.ModelAdmin):
    """Rows come from `manage.py load_places`; staff may correct names and
    coordinates but not add or delete (other records point at these rows)."""

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Division)
class DivisionAdmin(ReferenceDataAdmin):
    list_display = ("code", "name_zh", "name_en", "level", "parent", "latitude", "longitude")
    list_filter = ("level",)
    search_fields = ("code", "name_zh", "name_en")
    readonly_fields = ("code", "level", "parent")
    list_select_related = ("parent",)


@admin.register(City)
class CityAdmin(ReferenceDataAdmin):
    list_display = ("name_en", "name_zh", "country_code", "population", "timezone")
    list_filter = ("country_code",)
    search_fields = ("name_en", "name_zh", "name_ascii", "=geonameid")
    readonly_fields = ("geonameid", "country_code", "division")

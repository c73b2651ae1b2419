"""Reference places: Chinese administrative divisions (GB/T 2260) and world cities.

Rows come from the packaged JSON files via ``manage.py load_places``; they are
reference data, never created by users.
"""

import gettext
from functools import lru_cache

import pycountry
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


def active_language_is_chinese() -> bool:
    return (get_language() or "").lower().startswith("zh")


@lru_cache(maxsize=1)
def _iso3166_zh() -> gettext.NullTranslations:
    # pycountry ships its own gettext catalogues for ISO 3166 names; fall back to
    # English if the installed copy lacks the Chinese one.
    return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["zh_CN"], fallback=True)


@lru_cache(maxsize=512)
def country_name(country_code: str, chinese: bool) -> str:
    """Short country name (common name where ISO has one: "Taiwan", "South Korea")."""
    country = pycountry.countries.get(alpha_2=country_code)
    if country is None:
        return country_code
    english = getattr(country, "common_name", None) or country.name
    return _iso3166_zh().gettext(english) if chinese else english


class Place(models.Model):
    """Bilingual name and optional coordinates shared by divisions and cities."""

    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_zh if active_language_is_chinese() else self.name_en


class Division(Place):
    """A province-level or prefecture-level division of China."""

    class Level(models.TextChoices):
        PROVINCE = "province", _("Province")
        PREFECTURE = "prefecture", _("Prefecture")

    # Unique, hence indexed; on PostgreSQL Django adds a *_like pattern index, so
    # the code__startswith prefix lookups used for officer scopes stay indexed.
    code = models.CharField(
        _("GB/T 2260 code"),
        max_length=6,
        unique=True,
        validators=[RegexValidator(r"^[0-9]{6}$", _("Enter a six-digit GB/T 2260 code."))],
    )
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("parent division"),
    )

    class Meta:
        ordering = ["code"]
        indexes = [models.Index(fields=["level", "code"], name="places_div_level_code")]
        verbose_name = _("administrative division")
        verbose_name_plural = _("administrative divisions")

    @property
    def parent_code(self) -> str | None:
        return self.parent.code if self.parent_id else None


class City(Place):
    """A world city from GeoNames (population >= 100,000 plus curated tourist towns)."""

    geonameid = models.PositiveIntegerField(_("GeoNames ID"), unique=True)
    # ASCII-folded, lower-case English name, so "zurich" finds "Zürich".
    name_ascii = models.CharField(_("search name"), max_length=200, blank=True, editable=False)
    country_code = models.CharField(_("country code"), max_length=2)
    population = models.PositiveBigIntegerField(_("population"), default=0)
    timezone = models.CharField(_("time zone"), max_length=64, blank=True)
    # Set for Hong Kong, Macao and Taiwan cities; mainland China is covered by Division.
    division = models.ForeignKey(
        Division,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cities",
        verbose_name=_("division"),
    )

    class Meta:
        ordering = ["-population", "geonameid"]
        indexes = [
            models.Index(fields=["country_code", "-population"], name="places_city_country_pop"),
            models.Index(fields=["-population"], name="places_city_pop"),
        ]
        verbose_name = _("city")
        verbose_name_plural = _("cities")

    @property
    def country_name(self) -> str:
        return country_name(self.country_code, active_language_is_chinese())

    @property
    def division_code(self) -> str | None:
        return self.division.code if self.division_id else None

from ninja import Schema


class DivisionOut(Schema):
    code: str
    level: str
    parent_code: str | None
    name_zh: str
    name_en: str
    # In the request's language (Accept-Language, language cookie or /i18n/ choice).
    name: str
    latitude: float | None
    longitude: float | None


class CityOut(Schema):
    geonameid: int
    name_zh: str
    name_en: str
    name: str
    country_code: str
    country_name: str
    division_code: str | None
    latitude: float | None
    longitude: float | None
    population: int
    timezone: str


class NotFoundOut(Schema):
    detail: str

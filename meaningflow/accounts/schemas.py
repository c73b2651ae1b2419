from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from ninja import Field, Schema
from pydantic import Strict

from meaningflow.accounts.models import TravelWillingness
from meaningflow.core.schemas import InSchema
from meaningflow.core.validators import Id, LocalTime

# Bounds here make oversized or malformed payloads fail validation (422) before any
# service runs; the services still check everything that depends on the database.


class IdentityOut(Schema):
    document_type: str
    country: str
    number_masked: str
    birth_date: date | None
    verified_at: datetime


class IdentityIn(InSchema):
    document_type: str = Field(max_length=20)
    legal_name: str = Field(min_length=1, max_length=100)
    number: str = Field(min_length=1, max_length=30)
    country: str = Field(default="CN", max_length=2)


class MeOut(Schema):
    id: int
    username: str
    display_name: str
    email: str
    preferred_language: str
    large_type: bool
    verified: bool
    identity: IdentityOut | None
    is_moderator: bool
    officer_region_prefixes: list[str]


class SkillOut(Schema):
    code: str
    name_zh: str
    name_en: str
    name: str
    difficulty: Decimal
    domain_code: str = Field(alias="domain.code")


class SkillDomainOut(Schema):
    code: str
    name_zh: str
    name_en: str
    name: str
    skills: list["SkillBriefOut"]

    @staticmethod
    def resolve_skills(obj):
        return list(obj.skills.all())


class SkillBriefOut(Schema):
    code: str
    name_zh: str
    name_en: str
    difficulty: Decimal


SkillDomainOut.model_rebuild()


class ProfileSkillOut(Schema):
    skill: str = Field(alias="skill.code")
    name: str = Field(alias="skill.name")
    level: int
    years: int


class ProfileSkillIn(InSchema):
    skill: str = Field(max_length=100)
    level: int = Field(ge=1, le=5)
    years: int = Field(default=0, ge=0, le=80)


class AvailabilityWindowIn(InSchema):
    weekday: int = Field(ge=0, le=6)
    start_time: LocalTime
    end_time: LocalTime


class AvailabilityWindowOut(Schema):
    weekday: int
    start_time: LocalTime
    end_time: LocalTime


class ProfileOut(Schema):
    bio: str
    home_division_code: str | None
    home_city_geonameid: int | None
    travel_willingness: str
    travel_region_codes: list[str]
    languages: list[str]
    intentions: list[str]
    interests: list[str]
    availability: list[AvailabilityWindowOut]

    @staticmethod
    def resolve_home_division_code(obj):
        return obj.home_division.code if obj.home_division_id else None

    @staticmethod
    def resolve_home_city_geonameid(obj):
        return obj.home_city.geonameid if obj.home_city_id else None

    @staticmethod
    def resolve_travel_region_codes(obj):
        return [d.code for d in obj.travel_regions.all()]

    @staticmethod
    def resolve_interests(obj):
        return [i.code for i in obj.interests.all()]

    @staticmethod
    def resolve_availability(obj):
        return list(obj.availability.all())


class ProfileIn(InSchema):
    bio: str = Field(default="", max_length=2000)
    home_division_code: str | None = Field(default=None, max_length=6)
    home_city_geonameid: Id | None = None
    travel_willingness: Annotated[TravelWillingness, Strict(False)] = TravelWillingness.LOCAL
    travel_region_codes: list[str] = Field(default_factory=list, max_length=40)
    languages: list[str] = Field(default_factory=list, max_length=20)
    intentions: list[str] = Field(default_factory=list, max_length=4)
    interests: list[str] = Field(default_factory=list, max_length=60)


class OrganisationOut(Schema):
    id: int
    name: str
    name_en: str
    type: str
    description: str
    region_code: str
    verification_status: str


class OrganisationIn(InSchema):
    name: str = Field(min_length=2, max_length=160)
    name_en: str = Field(default="", max_length=200)
    type: str = Field(max_length=30)
    description: str = Field(default="", max_length=5000)
    division_code: str | None = Field(default=None, max_length=6)
    website: str = Field(default="", max_length=200)


class MembershipOut(Schema):
    id: int
    organisation_id: int
    organisation_name: str = Field(alias="organisation.name")
    user_id: int
    user: str
    role: str
    status: str

    @staticmethod
    def resolve_user(obj):
        return str(obj.user)


class PersonOut(Schema):
    """A person as other people see them: id and display name (threads, reviews)."""

    id: int
    name: str

    @staticmethod
    def resolve_name(obj) -> str:
        return str(obj)

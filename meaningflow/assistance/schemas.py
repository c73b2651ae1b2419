from datetime import date

from ninja import Schema
from pydantic import Field

from meaningflow.core.schemas import InSchema


class RegistryImportIn(InSchema):
    region_prefix: str = Field("", description="Defaults to the client's region prefix.")
    rows: list[dict] = Field(
        ...,
        description="Rows keyed by column names of docs/REGISTRY_IMPORT.md (Chinese or English).",
    )


class ImportRowOut(Schema):
    row: int
    status: str
    id: str
    reasons: list[str]
    codes: list[str] = Field(default_factory=list, description="One code per reason, e.g. import.id_number.checksum")
    notes: list[str] = Field(default_factory=list, description="Warnings that did not reject the row")
    note_codes: list[str] = Field(default_factory=list)


class ImportBatchOut(Schema):
    id: int
    status: str
    total_rows: int
    accepted: int
    updated: int
    unchanged: int
    rejected: int
    errors: list[str]
    error_codes: list[str] = Field(default_factory=list)
    rows: list[ImportRowOut]


class PushOut(Schema):
    id: int
    kind: str
    reason_code: str
    title: str
    rule_reference: str
    expires_on: date | None
    status: str


class PushResponseIn(InSchema):
    response: str = Field(..., description="viewed, accepted or declined")

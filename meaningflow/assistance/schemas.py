from datetime import date

from ninja import Schema
from pydantic import Field


class RegistryImportIn(Schema):
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


class ImportBatchOut(Schema):
    id: int
    status: str
    total_rows: int
    accepted: int
    updated: int
    unchanged: int
    rejected: int
    errors: list[str]
    rows: list[ImportRowOut]


class PushOut(Schema):
    id: int
    kind: str
    reason_code: str
    title: str
    rule_reference: str
    expires_on: date | None
    status: str


class PushResponseIn(Schema):
    response: str = Field(..., description="viewed, accepted or declined")

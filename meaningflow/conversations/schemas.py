from datetime import datetime

from ninja import Field, Schema

from meaningflow.accounts.schemas import PersonOut
from meaningflow.conversations.models import MESSAGE_MAX_LENGTH
from meaningflow.core.schemas import InSchema


class ThreadOut(Schema):
    id: int
    subject: str
    title: str
    created_at: datetime
    last_message_at: datetime | None
    unread: int


class MessageOut(Schema):
    id: int
    sender: PersonOut
    body: str
    created_at: datetime


class ThreadDetailOut(Schema):
    id: int
    subject: str
    title: str
    created_at: datetime
    participants: list[PersonOut]
    messages: list[MessageOut]


class MessageIn(InSchema):
    # Generous schema bound; the service gives the translated length error (400).
    body: str = Field(max_length=MESSAGE_MAX_LENGTH * 2)


class ReadOut(Schema):
    unread_total: int

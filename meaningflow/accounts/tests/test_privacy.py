"""Personal-data rights (issue 12, item 12; PR-1, journey J12): consents with purposes and
text versions, processing that checks the purpose, the data export and account deletion."""

import io
import json
import zipfile
from datetime import date, datetime, time, timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client, TestCase
from django.utils import timezone

from conftest import DEMO_PASSWORD
from meaningflow.accounts import privacy, selectors, services
from meaningflow.accounts.models import Consent, ConsentEvent, ConsentText, Identity, Profile, User
from meaningflow.accounts.tests.test_identity import VALID_ID
from meaningflow.assistance import services as assistance_services
from meaningflow.assistance.models import RegistryPerson
from meaningflow.conversations import selectors as conversation_selectors
from meaningflow.conversations import services as conversation_services
from meaningflow.conversations.models import Message
from meaningflow.core.crypto import keyed_hash, mask
from meaningflow.core.models import AuditEvent
from meaningflow.core.services import notification_send
from meaningflow.ledger import hashing
from meaningflow.ledger import services as ledger_services
from meaningflow.ledger.models import Transaction
from meaningflow.ledger.verify import ledger_verify, statement_build, verify_statement
from meaningflow.needs import services as need_services
from meaningflow.places.models import Division
from meaningflow.resources import services as resource_services
from meaningflow.resources.reference import reference_ensure
from meaningflow.resources.tests.factories import days, mint, room

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


@pytest.fixture
def changsha(reference_data):
    return Division.objects.get(code="430100")


@pytest.fixture
def bob_full(bob, alice, changsha):
    """Bob with everything a person leaves on the platform: phone, profile, a skill, an
    application with its conversation, a booking, CV, a notification, a consent."""
    reference_ensure()
    for person, number in ((bob, "TB0000001"), (alice, "TA0000001")):  # personas here start unverified
        services.identity_verify(
            user=person, document_type="passport", legal_name=str(person), number=number, country="DE"
        )
    services.user_settings_update(user=bob, display_name="Bob", email=bob.email, phone="13900001111")
    services.profile_update(user=bob, home_division=changsha, languages=["zh"], bio="I cook.")
    services.profile_skill_set(user=bob, skill_code="food.dumplings", level=4)
    services.availability_replace(user=bob, windows=[(5, time(9), time(12))])
    organisation = services.organisation_create(creator=alice, name="芙蓉社区", name_en="Furong", type="community")
    start = days(7)
    need = need_services.need_create(
        actor=alice,
        organisation=organisation,
        publish=True,
        type="cultural",
        title="包饺子",
        title_en="Dumplings",
        description="一起包饺子 Make dumplings.",
        language="zh",
        division=changsha,
        starts_at=_at(start),
        ends_at=_at(start, hours=4),
        places=2,
    )
    application = need_services.application_create(need=need, applicant=bob, message="I can help on Saturday.")
    thread = conversation_selectors.thread_for_subject(subject=application.subject)
    conversation_services.message_post(thread=thread, sender=bob, body="My phone is 13900001111, call me.")
    mint(bob, 2000)
    booking = resource_services.booking_create(
        resource=room(alice), guest=bob, start=days(10), end=days(12), message="Arriving late."
    )
    notification_send(recipient=bob, kind="test", title="Hello Bob", body="Welcome")
    privacy.consent_set(user=bob, purpose="matching", granted=True)
    bob.refresh_from_db()
    return {"user": bob, "need": need, "application": application, "booking": booking, "thread": thread}


def _at(day, hours=0):
    return timezone.make_aware(datetime.combine(day, time(9))) + timedelta(hours=hours)


# --- consents ---------------------------------------------------------------------------


def test_consents_are_shown_with_text_version_and_legal_basis_and_can_be_withdrawn(client, bob):
    client.force_login(bob)
    page = client.get("/accounts/me/privacy/").content.decode()
    for purpose in ("matching", "government_sharing", "checkin_location", "marketing"):
        assert f'id="consent-{purpose}"' in page
    assert "Legal basis: Your consent (PIPL art. 13(1)). Text version 1" in page
    assert "Not agreed" in page and not Consent.objects.filter(user=bob).exists()

    response = client.post("/accounts/me/privacy/consents/marketing/", {"granted": "1"}, follow=True)
    assert "you agreed to “Send me news about the platform” (text version 1)" in response.content.decode()
    assert selectors.consent_granted(user=bob, purpose="marketing")
    response = client.post("/accounts/me/privacy/consents/marketing/", {"granted": "0"}, follow=True)
    assert "From now on your data is not used for it." in response.content.decode()
    assert not selectors.consent_granted(user=bob, purpose="marketing")

    events = list(ConsentEvent.objects.filter(user=bob).order_by("created_at", "pk"))
    assert [(e.purpose, e.granted, e.text.version, e.source) for e in events] == [
        ("marketing", True, 1, "page"),
        ("marketing", False, 1, "page"),
    ]
    assert AuditEvent.objects.filter(action="accounts.consent.withdrawn", actor=bob).exists()
    assert client.post("/accounts/me/privacy/consents/nothing/", {"granted": "1"}).status_code == 404
    assert client.get("/accounts/me/privacy/consents/marketing/").status_code == 405

    # The opt-out of being suggested is one step from the profile.
    assert "/accounts/me/privacy/#who-can-see-h" in client.get("/accounts/me/profile/").content.decode()
    chinese = client.get("/accounts/me/privacy/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "您同意后" in chinese and "法律依据" in chinese


def test_consents_through_the_api(client, bob):
    client.force_login(bob)
    listed = client.get("/api/v1/me/consents").json()
    assert [c["purpose"] for c in listed] == ["matching", "government_sharing", "checkin_location", "marketing"]
    assert listed[0]["legal_basis"] == "consent" and listed[0]["text_version"] == 1 and not listed[0]["granted"]
    answer = client.put("/api/v1/me/consents/matching", {"granted": True}, content_type="application/json")
    assert answer.status_code == 200 and answer.json()["granted"] and answer.json()["answered_version"] == 1
    assert (
        client.put("/api/v1/me/consents/nothing", {"granted": True}, content_type="application/json").status_code == 422
    )
    history = client.get("/api/v1/me/consents/history").json()
    assert history[0]["purpose"] == "matching" and history[0]["source"] == "api"
    with pytest.raises(Exception) as refused:
        privacy.consent_set(user=bob, purpose="nothing", granted=True)
    assert refused.value.code == "consent.unknown_purpose"


def test_a_new_text_that_asks_again_stops_earlier_agreements_counting(bob):
    privacy.consent_set(user=bob, purpose="matching", granted=True)
    assert bob.pk in set(selectors.consenting_users(purpose="matching").values_list("user_id", flat=True))
    v1 = ConsentText.objects.get(purpose="matching", version=1)
    ConsentText.objects.create(
        purpose="matching",
        version=2,
        effective_from=date.today(),
        text_zh="新",
        text_en="New",
        legal_basis=v1.legal_basis,
        requires_renewal=True,
    )
    assert not selectors.consent_granted(user=bob, purpose="matching")
    assert bob.pk not in set(selectors.consenting_users(purpose="matching").values_list("user_id", flat=True))
    state = next(s for s in selectors.consents_of(user=bob) if s.purpose == "matching")
    assert state.renewal_needed and state.text.version == 2
    privacy.consent_set(user=bob, purpose="matching", granted=True)
    assert selectors.consent_granted(user=bob, purpose="matching")
    assert Consent.objects.get(user=bob, purpose="matching").text.version == 2


def test_registry_linking_follows_the_government_sharing_consent(make_user, reference_data):
    """The registry record is the authority's (kept by law); the link to the account is the
    person's choice (PR-1, PIPL art. 13)."""
    person = RegistryPerson.objects.create(
        name="测试",
        id_number=VALID_ID,
        id_hash=keyed_hash(f"cn_resident_id:CN:{VALID_ID}", purpose="identity"),
        id_masked=mask(VALID_ID),
        birth_date=date(1980, 1, 1),
        sex="f",
        region_code="430102",
    )
    user = make_user("registered", verified=False)
    services.identity_verify(user=user, document_type="cn_resident_id", legal_name="测试", number=VALID_ID)
    assert assistance_services.registry_link_users() == 0  # never agreed: not linked
    assert selectors.identity_hashes() == {}
    privacy.consent_set(user=user, purpose="government_sharing", granted=True)
    person.refresh_from_db()
    assert person.user == user  # linked at once
    privacy.consent_set(user=user, purpose="government_sharing", granted=False)
    person.refresh_from_db()
    assert person.user is None and RegistryPerson.objects.filter(pk=person.pk).exists()
    assert assistance_services.registry_link_users() == 0
    assert AuditEvent.objects.filter(action="assistance.registry.unlinked", actor=user).exists()
    # A link made before consents were recorded is undone by the upgrade command.
    RegistryPerson.objects.filter(pk=person.pk).update(user=user)
    call_command("registry_unlink_unconsented", stdout=io.StringIO())
    person.refresh_from_db()
    assert person.user is None


# --- export -----------------------------------------------------------------------------


def _zip(response) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def test_the_export_holds_everything_in_both_languages_after_the_password(client, bob_full):
    bob = bob_full["user"]
    client.force_login(bob)
    assert client.get("/accounts/me/privacy/export/download/").status_code == 302  # no password yet
    wrong = client.post("/accounts/me/privacy/export/", {"password": "not-it"})
    assert [e.code for e in wrong.context["form"].errors.as_data()["password"]] == ["reauth.wrong_password"]
    assert AuditEvent.objects.filter(action="accounts.reauth.failed", actor=bob).count() == 1

    response = client.post("/accounts/me/privacy/export/", {"password": DEMO_PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == "/accounts/me/privacy/export/ready/"
    assert "Your data is ready" in response.content.decode()
    download = client.get("/accounts/me/privacy/export/download/")
    assert download["Content-Type"] == "application/zip"
    archive = _zip(download)
    names = set(archive.namelist())
    assert {"README.txt", "en/data.json", "zh-hans/data.json", "cv_statement.json"} <= names
    sections = {
        "account",
        "identity",
        "profile",
        "skills",
        "availability",
        "organisations",
        "api_tokens",
        "consents",
        "consent_history",
        "profile_views",
        "notifications",
        "audit_events",
        "contributions",
        "cv_transactions",
        "cv_holds",
        "messages",
        "reviews_written",
        "reviews_received",
        "needs_posted",
        "applications",
        "needs_looked_at",
        "bookings",
        "resources",
        "check_ins",
        "registry_records",
        "support_pushes",
    }
    assert {f"en/{s}.csv" for s in sections} <= names and {f"zh-hans/{s}.csv" for s in sections} <= names

    english = json.loads(archive.read("en/data.json"))
    by_name = {s["name"]: s for s in english["sections"]}
    assert by_name["account"]["rows"][0]["phone"] == "+8613900001111"
    identity = by_name["identity"]["rows"][0]
    assert identity["number"] == bob.identity.number_masked and identity["legal_name"].startswith("B*")
    assert by_name["applications"]["rows"][0]["message"] == "I can help on Saturday."
    assert by_name["applications"]["rows"][0]["status"] == "Applied"
    assert "13900001111" in by_name["messages"]["rows"][0]["text"]
    assert by_name["bookings"]["rows"][0]["message"] == "Arriving late."
    assert by_name["contributions"]["rows"][0]["credited"] > 0
    assert by_name["cv_transactions"]["rows"]
    assert by_name["notifications"]["rows"][0]["title"] == "Hello Bob"
    assert by_name["consents"]["rows"][0]["purpose"] == "Suggest me to organisations that look for people"
    assert any(r["action"] == "accounts.consent.granted" for r in by_name["audit_events"]["rows"])

    chinese = json.loads(archive.read("zh-hans/data.json"))
    zh = {s["name"]: s for s in chinese["sections"]}
    assert zh["applications"]["rows"][0]["status"] != "Applied" and zh["applications"]["title"] != "Your applications"
    csv_text = archive.read("zh-hans/bookings.csv").decode("utf-8-sig")
    assert csv_text.splitlines()[0] != archive.read("en/bookings.csv").decode("utf-8-sig").splitlines()[0]
    # The signed CV statement in the zip verifies offline.
    statement = json.loads(archive.read("cv_statement.json"))
    assert verify_statement(statement, public_key=hashing.public_key_hex()) == []
    assert AuditEvent.objects.filter(action="accounts.data.exported", actor=bob).exists()


def test_the_full_identity_only_when_asked_and_the_api_export(client, bob_full):
    bob = bob_full["user"]
    client.force_login(bob)
    refused = client.post("/api/v1/me/export", {"password": "nope"}, content_type="application/json")
    assert refused.status_code == 400 and refused.json()["code"] == "reauth.wrong_password"
    response = client.post(
        "/api/v1/me/export", {"password": DEMO_PASSWORD, "include_identity": True}, content_type="application/json"
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    english = json.loads(_zip(response).read("en/data.json"))
    identity = next(s for s in english["sections"] if s["name"] == "identity")["rows"][0]
    assert identity["number"] == bob.identity.number and identity["legal_name"] == "Bob"
    assert english["identity_revealed"] is True


def test_wrong_passwords_are_throttled(bob):
    for _attempt in range(privacy.REAUTH_FAILURES_ALLOWED):
        with pytest.raises(Exception) as wrong:
            privacy.reauthenticate(user=bob, password="guess")
        assert wrong.value.error_dict["password"][0].code == "reauth.wrong_password"
    with pytest.raises(Exception) as throttled:
        privacy.reauthenticate(user=bob, password=DEMO_PASSWORD)
    assert throttled.value.code == "reauth.too_many_attempts"


def test_an_export_past_the_size_bound_is_refused_with_a_code(bob, monkeypatch):
    monkeypatch.setattr(privacy, "EXPORT_MAX_ROWS", 2)
    with pytest.raises(Exception) as refused:
        privacy.personal_data_export(user=bob)
    assert refused.value.code == "export.too_large"


# --- deletion ---------------------------------------------------------------------------


def test_deletion_waits_for_what_is_in_progress_and_says_what_to_do(client, bob_full):
    bob = bob_full["user"]
    client.force_login(bob)
    page = client.get("/accounts/me/privacy/delete/").content.decode()
    assert 'id="deletion-blockers"' in page and "Withdraw it" in page and "Cancel it" in page
    with pytest.raises(Exception) as blocked:
        privacy.account_delete(user=bob, password=DEMO_PASSWORD)
    codes = {e.code for e in blocked.value.error_list}
    assert codes == {"needs.delete.application_open", "resources.delete.booking_open", "ledger.delete.hold_active"}
    assert User.objects.get(pk=bob.pk).deleted_at is None and Identity.objects.filter(user=bob).exists()

    api = client.post(
        "/api/v1/me/delete", {"password": DEMO_PASSWORD, "confirm": True}, content_type="application/json"
    )
    assert api.status_code == 400 and "needs.delete.application_open" in [e["code"] for e in api.json()["errors"]]
    unconfirmed = client.post(
        "/api/v1/me/delete", {"password": DEMO_PASSWORD, "confirm": False}, content_type="application/json"
    )
    assert unconfirmed.json()["code"] == "account.delete_unconfirmed"


def test_deleting_an_account_erases_personal_data_and_keeps_the_ledger_verifiable(client, bob_full, alice):
    bob, application, booking = bob_full["user"], bob_full["application"], bob_full["booking"]
    need_services.application_transition(application=application, action="withdraw", actor=bob)
    resource_services.booking_cancel(booking=booking, actor=bob)
    token, plain = services.api_token_create(user=bob, name="script")
    # The registry keeps a record of Bob, linked by his consent.
    person = RegistryPerson.objects.create(
        name="Bob",
        id_number="X",
        id_hash="h" * 64,
        id_masked="X***",
        birth_date=date(1980, 1, 1),
        sex="m",
        region_code="430102",
        user=bob,
    )
    other_session = Client(HTTP_ACCEPT_LANGUAGE="en")
    other_session.force_login(bob)
    ledger_services.ledger_seal(grace_seconds=0)
    hashes = dict(Transaction.objects.values_list("pk", "content_hash"))
    chain = dict(Transaction.objects.values_list("pk", "chain_hash"))
    statement_before = statement_build(user=bob)
    assert ledger_verify() == []

    client.force_login(bob)
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(
            "/accounts/me/privacy/delete/", {"password": DEMO_PASSWORD, "confirm": "on"}, follow=True
        )
    assert response.redirect_chain[-1][0] == "/accounts/deleted/"
    assert "Your account is deleted" in response.content.decode()

    bob.refresh_from_db()
    assert bob.username == f"deleted:{bob.pk}" and bob.email == "" and bob.phone == "" and bob.display_name == ""
    assert not bob.is_active and not bob.has_usable_password() and bob.deleted_at is not None
    assert str(bob) == "Former member"
    assert not Identity.objects.filter(user=bob).exists() and not Profile.objects.filter(user=bob).exists()
    assert not bob.api_tokens.exists() and not bob.notifications.exists()
    assert not Consent.objects.filter(user=bob, granted=True).exists()
    application.refresh_from_db()
    assert application.message == ""
    assert set(Message.objects.filter(sender=bob).values_list("body", flat=True)) == {"—"}
    person.refresh_from_db()
    assert person.user is None  # the registry keeps its record, unlinked
    # Ledger: nothing hashed changed, the whole ledger and Bob's statement still verify.
    assert dict(Transaction.objects.values_list("pk", "content_hash")) == hashes
    assert dict(Transaction.objects.values_list("pk", "chain_hash")) == chain
    assert ledger_verify() == []
    statement_after = statement_build(user=bob)
    assert verify_statement(statement_after, public_key=hashing.public_key_hex()) == []
    assert [t["content_hash"] for t in statement_after["transactions"]] == [
        t["content_hash"] for t in statement_before["transactions"]
    ]
    # Signed out everywhere; the token and the password no longer work.
    assert other_session.get("/accounts/me/").status_code == 302
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {plain}").status_code == 401
    refused = Client(HTTP_ACCEPT_LANGUAGE="en").post("/accounts/login/", {"username": "bob", "password": DEMO_PASSWORD})
    assert refused.status_code == 200 and "_auth_user_id" not in refused.client.session
    # Audited, and confirmed by e-mail to the address the account had.
    assert AuditEvent.objects.filter(action="accounts.user.deleted", actor=bob).exists()
    assert mail.outbox[-1].to == ["bob@example.org"] and "deleted" in mail.outbox[-1].subject
    # Others see a former member.
    client.force_login(alice)
    assert "Former member" in client.get(f"/needs/applications/{application.pk}/").content.decode()


def test_staff_cannot_delete_themselves_and_the_password_is_asked(make_officer, bob):
    officer = make_officer("officer_wu")
    with pytest.raises(Exception) as blocked:
        privacy.account_delete(user=officer, password=DEMO_PASSWORD)
    assert [e.code for e in blocked.value.error_list] == ["accounts.delete.staff_role"]
    with pytest.raises(Exception) as wrong:
        privacy.account_delete(user=bob, password="guess")
    assert wrong.value.error_dict["password"][0].code == "reauth.wrong_password"
    assert User.objects.get(pk=bob.pk).is_active


def test_the_disclosure_rule_and_consent_texts_are_kept_in_the_admin(client, superuser):
    client.force_login(superuser)
    assert client.get("/admin/accounts/disclosurerule/add/").status_code == 200
    assert client.get("/admin/accounts/consenttext/").status_code == 200
    text = ConsentText.objects.get(purpose="matching", version=1)
    page = client.get(f"/admin/accounts/consenttext/{text.pk}/change/").content.decode()
    assert 'name="text_en"' not in page  # a version people agreed to is read-only

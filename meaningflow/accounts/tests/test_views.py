"""Pages: registration, login throttling, profile editing, tokens, accessible errors."""

import pytest
from django.core import mail

from config import settings as project_settings
from conftest import DEMO_PASSWORD
from meaningflow.accounts.models import ApiToken, ProfileSkill, User
from meaningflow.accounts.tests.test_identity import VALID_ID
from meaningflow.places.models import Division

pytestmark = pytest.mark.django_db


def test_registration_creates_account_and_logs_in(client):
    response = client.post(
        "/accounts/register/",
        {
            "username": "lin",
            "display_name": "林",
            "email": "lin@example.org",
            "password1": DEMO_PASSWORD,
            "password2": DEMO_PASSWORD,
        },
    )
    assert response.status_code == 302 and response.url == "/accounts/me/identity/"
    user = User.objects.get(username="lin")
    assert user.password.startswith("argon2") or user.password.startswith("md5")  # MD5 only in tests
    assert hasattr(user, "profile")
    assert client.get("/accounts/me/").status_code == 200


def test_registration_errors_are_announced_next_to_the_field(client, alice):
    response = client.post(
        "/accounts/register/",
        {
            "username": "alice",
            "email": "other@example.org",
            "password1": "123",
            "password2": "123",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'aria-invalid="true"' in html and 'role="alert"' in html
    assert response.context["form"].errors.as_data()["username"][0].code == "user.username_taken"
    assert User.objects.count() == 1


def test_argon2_is_the_production_hasher(settings):
    assert "Argon2" in [h for h in project_settings.PASSWORD_HASHERS if "MD5" not in h][0]


def test_login_is_throttled_after_repeated_failures(client, alice, settings):
    settings.AXES_ENABLED = True
    for _attempt in range(5):
        client.post("/accounts/login/", {"username": "alice", "password": "wrong"})
    response = client.post("/accounts/login/", {"username": "alice", "password": DEMO_PASSWORD})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_preferred_language_applies_from_login_and_when_changed(client, alice, settings):
    User.objects.filter(pk=alice.pk).update(preferred_language="zh-hans")
    response = client.post("/accounts/login/", {"username": "alice", "password": DEMO_PASSWORD})
    assert response.status_code == 302
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "zh-hans"
    page = client.get("/accounts/me/", HTTP_ACCEPT_LANGUAGE="en")  # the browser says English
    assert page.headers["Content-Language"] == "zh-hans"
    client.post(
        "/accounts/me/settings/",
        {"display_name": "Alice", "email": "alice@example.org", "phone": "", "preferred_language": "en"},
    )
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert client.get("/accounts/me/").headers["Content-Language"] == "en"
    client.logout()
    User.objects.filter(pk=alice.pk).update(preferred_language="")
    client.post("/accounts/login/", {"username": "alice", "password": DEMO_PASSWORD})
    assert settings.LANGUAGE_COOKIE_NAME not in client.cookies  # no preference: the browser decides


def test_password_reset_sends_a_mail(client, alice):
    response = client.post("/accounts/password/reset/", {"email": "alice@example.org"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1 and "/accounts/password/reset/" in mail.outbox[0].body


def test_identity_page_verifies_and_then_shows_only_the_mask(client, alice):
    client.force_login(alice)
    response = client.post(
        "/accounts/me/identity/", {"document_type": "cn_resident_id", "legal_name": "王芳", "number": VALID_ID}
    )
    assert response.status_code == 302
    html = client.get("/accounts/me/identity/").content.decode()
    assert VALID_ID not in html and VALID_ID[-4:] in html


def test_identity_page_shows_checksum_error_on_the_field(client, alice):
    client.force_login(alice)
    bad = VALID_ID[:-1] + ("0" if VALID_ID[-1] != "0" else "1")
    html = client.post(
        "/accounts/me/identity/",
        {"document_type": "cn_resident_id", "legal_name": "王芳", "number": bad},
        HTTP_ACCEPT_LANGUAGE="en",
    ).content.decode()
    assert 'id="id_number_error"' in html and "check digit" in html


def test_skill_picker_and_removal(client, alice, reference_data):
    client.force_login(alice)
    options = client.get("/accounts/me/skills/options/?domain=software").content.decode()
    assert 'value="software.python"' in options
    client.post("/accounts/me/skills/", {"domain": "software", "skill": "software.python", "level": 4, "years": 3})
    assert ProfileSkill.objects.get(profile__user=alice).level == 4
    response = client.post("/accounts/me/skills/software.python/remove/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and not ProfileSkill.objects.exists()


def test_profile_page_saves(client, alice, reference_data):
    client.force_login(alice)
    changsha = Division.objects.get(code="430100")
    response = client.post(
        "/accounts/me/profile/",
        {
            "bio": "hi",
            "home_division": changsha.pk,
            "travel_willingness": "province",
            "languages": ["zh"],
            "intentions": ["job", "training"],
        },
    )
    assert response.status_code == 302
    alice.profile.refresh_from_db()
    assert alice.profile.home_division == changsha and alice.profile.intentions == ["job", "training"]


def test_api_token_is_shown_once_and_can_be_revoked(client, alice):
    client.force_login(alice)
    html = client.post("/accounts/me/tokens/", {"name": "my script"}).content.decode()
    token = ApiToken.objects.get(user=alice)
    assert 'id="new-token"' in html and token.prefix in html
    assert 'id="new-token"' not in client.get("/accounts/me/tokens/").content.decode()
    client.post(f"/accounts/me/tokens/{token.pk}/revoke/")
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_another_users_token_cannot_be_revoked(client, alice, bob):
    token = ApiToken.objects.create(user=bob, name="b", prefix="x", token_hash="h")
    client.force_login(alice)
    assert client.post(f"/accounts/me/tokens/{token.pk}/revoke/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_pages_require_login(client):
    for url in ["/accounts/me/", "/accounts/me/profile/", "/accounts/me/identity/", "/accounts/me/tokens/"]:
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response.url

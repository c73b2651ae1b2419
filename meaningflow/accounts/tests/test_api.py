"""The JSON API: session and token auth, profile and skills, clear JSON errors."""

import json

import pytest

from meaningflow.accounts.models import ApiToken, ProfileSkill
from meaningflow.accounts.services import api_token_create, api_token_revoke
from meaningflow.accounts.tests.test_identity import VALID_ID

pytestmark = pytest.mark.django_db


@pytest.fixture
def token(alice):
    return api_token_create(user=alice, name="script")[1]


def bearer(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def test_me_requires_authentication(client):
    response = client.get("/api/v1/me", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 401
    assert response.json() == {"detail": "Authentication required.", "code": "auth.required", "errors": []}


def test_me_with_session(client, alice):
    client.force_login(alice)
    body = client.get("/api/v1/me").json()
    assert body["username"] == "alice" and body["verified"] is False


def test_me_with_personal_token_records_last_use(client, alice, token):
    assert client.get("/api/v1/me", **bearer(token)).json()["username"] == "alice"
    assert ApiToken.objects.get(user=alice).last_used_at is not None


def test_revoked_token_is_refused(client, alice, token):
    api_token_revoke(user=alice, token_id=ApiToken.objects.get(user=alice).pk)
    assert client.get("/api/v1/me", **bearer(token)).status_code == 401


def test_only_a_hash_of_the_token_is_stored(alice, token):
    assert not ApiToken.objects.filter(token_hash=token).exists()
    assert ApiToken.objects.get(user=alice).prefix == token[:8]


def test_identity_verification_through_the_api_shows_only_the_mask(client, alice, token):
    response = client.post(
        "/api/v1/me/identity",
        data={"document_type": "cn_resident_id", "legal_name": "王芳", "number": VALID_ID},
        content_type="application/json",
        **bearer(token),
    )
    assert response.status_code == 201
    assert VALID_ID not in response.content.decode()
    assert client.get("/api/v1/me", **bearer(token)).json()["identity"]["number_masked"].startswith("4301****")


def test_bad_checksum_gets_a_translated_400(client, alice, token):
    bad = VALID_ID[:-1] + ("0" if VALID_ID[-1] != "0" else "1")
    payload = {"document_type": "cn_resident_id", "legal_name": "王芳", "number": bad}
    response = client.post(
        "/api/v1/me/identity", data=payload, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en", **bearer(token)
    )
    assert response.status_code == 400
    assert response.json()["code"] == "identity.bad_check_digit"
    assert "check digit" in response.json()["detail"]
    response = client.post(
        "/api/v1/me/identity",
        data=payload,
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
        **bearer(token),
    )
    assert response.status_code == 400
    assert "校验" in response.json()["detail"]


def test_profile_and_skills_round_trip(client, alice, token, reference_data):
    payload = {
        "bio": "退休教师",
        "home_division_code": "430100",
        "travel_willingness": "national",
        "travel_region_codes": ["530000"],
        "languages": ["zh", "en"],
        "intentions": ["participation"],
        "interests": ["reading"],
    }
    response = client.put("/api/v1/me/profile", data=payload, content_type="application/json", **bearer(token))
    assert response.status_code == 200, response.content
    assert response.json()["home_division_code"] == "430100"
    response = client.post(
        "/api/v1/me/skills",
        data={"skill": "software.python", "level": 3, "years": 2},
        content_type="application/json",
        **bearer(token),
    )
    assert response.status_code == 201
    assert [s["skill"] for s in client.get("/api/v1/me/skills", **bearer(token)).json()] == ["software.python"]


def test_unknown_skill_is_a_clear_400_and_changes_nothing(client, alice, token, reference_data):
    response = client.post(
        "/api/v1/me/skills",
        data={"skill": "no.such.skill", "level": 3},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
        **bearer(token),
    )
    assert response.status_code == 400
    assert response.json()["code"] == "skill.unknown"
    assert response.json()["errors"] == [
        {"field": "skill", "message": "Unknown skill: no.such.skill", "code": "skill.unknown"}
    ]
    assert ProfileSkill.objects.count() == 0


def test_level_out_of_range_is_a_422_naming_the_field(client, alice, token, reference_data):
    response = client.post(
        "/api/v1/me/skills",
        data={"skill": "software.python", "level": 9},
        content_type="application/json",
        **bearer(token),
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "level"
    assert ProfileSkill.objects.count() == 0


def test_malformed_json_is_refused(client, alice, token):
    response = client.post("/api/v1/me/skills", data="{not json", content_type="application/json", **bearer(token))
    assert 400 <= response.status_code < 500
    assert "detail" in response.json()


def test_oversized_payload_is_refused_with_413(client, alice, token, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    payload = json.dumps({"bio": "x" * 20_000})
    response = client.put(
        "/api/v1/me/profile", data=payload, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en", **bearer(token)
    )
    assert response.status_code == 413
    assert response.json()["code"] == "request.too_large"


def test_overlong_field_is_refused_with_422(client, alice, token):
    response = client.put(
        "/api/v1/me/profile", data={"bio": "x" * 2001}, content_type="application/json", **bearer(token)
    )
    assert response.status_code == 422


def test_invalid_availability_changes_nothing(client, alice, token):
    response = client.put(
        "/api/v1/me/availability",
        data=[{"weekday": 1, "start_time": "10:00", "end_time": "09:00"}],
        content_type="application/json",
        **bearer(token),
    )
    assert response.status_code == 400
    assert alice.profile.availability.count() == 0


def test_skill_taxonomy_is_public_and_bilingual(client, reference_data):
    domains = client.get("/api/v1/skills").json()
    assert len(domains) >= 12
    assert sum(len(d["skills"]) for d in domains) >= 150
    assert all(d["name_zh"] and d["name_en"] for d in domains)


def test_openapi_document_lists_the_endpoints(client):
    paths = client.get("/api/openapi.json").json()["paths"]
    assert "/api/v1/me" in paths and "/api/v1/organisations" in paths

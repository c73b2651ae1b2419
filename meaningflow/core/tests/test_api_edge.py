"""The API's edge (issue 12, items 5, 6 and 10): hostile input is refused with a coded 4xx,
never a 500, and the API documents what it answers."""

import io
import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from config.api import api
from meaningflow.accounts.services import api_token_create
from meaningflow.conversations import services as conversations
from meaningflow.conversations.models import Message
from meaningflow.core.idempotency import RETENTION
from meaningflow.core.models import IdempotencyRecord
from meaningflow.core.routers import COMMON_ERRORS

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

TOO_BIG = 2**64  # past every 64-bit column


def bearer(user) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {api_token_create(user=user, name='edge')[1]}"}


# --- Item 5: NUL characters -------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/skills/search?q=a%00b",
        "/api/v1/resources/?q=a%00b",
        "/api/v1/places/cities?q=a%00b",
        "/api/v1/places/divisions?q=a%00b",
        "/api/v1/organisations?q=a%00b",
        "/api/v1/needs/?q=a%00b",
        "/api/v1/places/divisions/43%0001",
        "/needs/?q=a%00b",
        "/resources/?q=a%00b",
    ],
)
def test_a_nul_in_the_query_or_path_is_refused_with_400(client, reference_data, url):
    response = client.get(url)
    assert response.status_code == 400
    if url.startswith("/api/"):
        assert response.json()["code"] == "text.nul_character"


def test_a_nul_in_form_data_is_refused_with_400(client, alice):
    client.force_login(alice)
    response = client.post("/accounts/me/profile/", {"bio": "a\x00b"})
    assert response.status_code == 400


def test_a_nul_in_a_json_string_is_refused_and_changes_nothing(client, alice, bob):
    thread = conversations.thread_open(subject="test.thread:1", title="T", participants=[alice, bob])
    response = client.post(
        f"/api/v1/conversations/{thread.pk}/messages",
        data=json.dumps({"body": "hello\u0000world"}),
        content_type="application/json",
        **bearer(alice),
    )
    assert response.status_code == 400
    assert response.json()["code"] == "text.nul_character"
    assert not Message.objects.exists()


def test_a_nul_in_a_json_key_or_nested_value_is_refused(client, alice):
    response = client.put(
        "/api/v1/me/profile",
        data=json.dumps({"bio": "", "languages": ["zh\u0000"]}),
        content_type="application/json",
        **bearer(alice),
    )
    assert response.status_code == 400
    assert response.json()["code"] == "text.nul_character"


def test_nan_and_infinity_in_json_are_refused(client, alice):
    response = client.put(
        "/api/v1/me/availability", data='[{"weekday": NaN}]', content_type="application/json", **bearer(alice)
    )
    assert response.status_code == 400
    assert response.json()["code"] == "number.not_finite"


def test_a_body_that_is_not_json_gets_a_translated_400(client, alice):
    response = client.put(
        "/api/v1/me/profile",
        data="{not json",
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
        **bearer(alice),
    )
    assert response.status_code == 400
    assert response.json() == {"detail": "请求正文不是有效的 JSON。", "code": "request.body_invalid", "errors": []}


# --- Item 6: offsets, limits and ids beyond 64 bits ------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        f"/api/v1/organisations?offset={TOO_BIG}",
        f"/api/v1/organisations?limit={TOO_BIG}",
        f"/api/v1/places/cities?offset={TOO_BIG}",
        f"/api/v1/places/divisions?limit={TOO_BIG}",
        f"/api/v1/resources/?offset={TOO_BIG}",
        f"/api/v1/resources/?cv_max={TOO_BIG}",
        f"/api/v1/needs/?page={TOO_BIG}",
        f"/api/v1/needs/?per_page={TOO_BIG}",
        f"/api/v1/organisations/{TOO_BIG}",
        f"/api/v1/needs/{TOO_BIG}",
        f"/api/v1/resources/{TOO_BIG}",
        f"/api/v1/resources/{TOO_BIG}/availability?start=2030-01-01&end=2030-01-02",
        "/api/v1/organisations?offset=-1",
        "/api/v1/organisations?limit=0",
    ],
)
def test_numbers_past_their_bounds_are_refused_with_422(client, reference_data, url):
    response = client.get(url)
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["code"] == "request.invalid"
    assert body["errors"][0]["code"] in ("less_than_equal", "greater_than_equal")


def test_authenticated_ids_past_64_bits_are_refused_with_422(client, alice):
    headers = bearer(alice)
    for url in (
        f"/api/v1/cv/transactions/{TOO_BIG}",
        f"/api/v1/conversations/{TOO_BIG}",
        f"/api/v1/reviews/windows/{TOO_BIG}",
    ):
        assert client.get(url, **headers).status_code == 422
    assert client.get(f"/api/v1/cv/transactions?offset={TOO_BIG}", **headers).status_code == 422


def test_one_pagination_schema_bounds_every_paginated_list():
    document = api.get_openapi_schema()
    paginated = [
        operation
        for path in document["paths"].values()
        for operation in path.values()
        if any(p["name"] == "offset" for p in operation.get("parameters", []))
    ]
    assert len(paginated) >= 6
    for operation in paginated:
        bounds = {p["name"]: p["schema"] for p in operation["parameters"] if p["name"] in ("limit", "offset")}
        assert bounds["limit"]["maximum"] == 100 and bounds["offset"]["maximum"] < 2**63


# --- Item 10: authentication, errors and the OpenAPI document ---------------------------------


def test_an_anonymous_post_is_401_not_a_csrf_403(reference_data):
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="zh-hans")
    response = client.post("/api/v1/needs/", data="{}", content_type="application/json")
    assert response.status_code == 401
    assert response.json()["code"] == "auth.required"


def test_a_session_post_without_the_csrf_token_is_a_translated_403(alice):
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(alice)
    response = client.post("/api/v1/organisations", data="{}", content_type="application/json")
    assert response.status_code == 403
    body = response.json()
    assert body["code"] == "auth.csrf_failed"
    assert "CSRF" in body["detail"] and "Failed" not in body["detail"]


def test_rule_errors_carry_their_codes(client, alice):
    windows = [{"weekday": 1, "start_time": "10:00", "end_time": "09:00"}]
    response = client.put(
        "/api/v1/me/availability", data=json.dumps(windows), content_type="application/json", **bearer(alice)
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" or "." in body["code"]
    assert set(body) == {"detail", "code", "errors"}
    assert all(set(problem) == {"field", "message", "code"} for problem in body["errors"])


def _schemas_by_name() -> dict[str, list]:
    """Every component any operation's models define, by name (and mode: a request or an
    answer), with each distinct definition (the document keeps only the last of a name)."""
    seen: dict[str, list] = {}
    for _prefix, router in api._routers:
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                models = list(operation.models) + [m for m in operation.response_models.values() if m]
                for model in models:
                    if not hasattr(model, "model_json_schema"):
                        continue
                    for mode in ("validation", "serialization"):
                        schema = model.model_json_schema(mode=mode, ref_template="#/components/schemas/{model}")
                        for name, definition in schema.get("$defs", {}).items():
                            if definition not in seen.setdefault(f"{name} ({mode})", []):
                                seen[f"{name} ({mode})"].append(definition)
    return seen


def test_no_two_schemas_of_the_openapi_document_share_a_name():
    """ninja keeps the last of two same-named schemas, so the document described the other
    operations wrongly (AvailabilityOut, SkillOut of two apps)."""
    document = api.get_openapi_schema()
    collisions = {name: defs for name, defs in _schemas_by_name().items() if len(defs) > 1}
    assert collisions == {}
    assert {"AvailabilityWindowOut", "ResourceAvailabilityOut", "SkillOut", "NeedSkillOut"} <= set(
        document["components"]["schemas"]
    )


def test_every_operation_documents_the_errors_it_can_answer():
    document = api.get_openapi_schema()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            documented = {int(code) for code in operation["responses"]}
            assert set(COMMON_ERRORS) <= documented, (method, path)
            if operation.get("security"):
                assert 401 in documented, (method, path)


def test_creating_operations_document_the_idempotency_key():
    document = api.get_openapi_schema()
    creating = [
        ("post", "/api/v1/resources/{pk}/bookings"),
        ("post", "/api/v1/needs/"),
        ("post", "/api/v1/needs/{need_id}/applications"),
        ("post", "/api/v1/resources/"),
        ("post", "/api/v1/conversations/{thread_id}/messages"),
        ("post", "/api/v1/reviews/windows/{window_id}"),
        ("post", "/api/v1/assistance/registry/import"),
    ]
    for method, path in creating:
        names = [p["name"] for p in document["paths"][path][method]["parameters"]]
        assert "Idempotency-Key" in names, path


# --- Item 10: rate limits -----------------------------------------------------------------


def test_anonymous_calls_are_rate_limited_per_address(client, settings, reference_data):
    settings.API_THROTTLE_RATES = {"anon": "3/min", "user": ""}
    answers = [client.get("/api/v1/skills").status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    refused = client.get("/api/v1/skills")
    assert refused.json()["code"] == "request.throttled" and int(refused["Retry-After"]) >= 1
    other_address = client.get("/api/v1/skills", REMOTE_ADDR="10.0.0.2")
    assert other_address.status_code == 200


def test_signed_in_calls_are_rate_limited_per_user(client, settings, alice, bob):
    settings.API_THROTTLE_RATES = {"anon": "", "user": "2/min"}
    alice_headers, bob_headers = bearer(alice), bearer(bob)
    assert [client.get("/api/v1/me", **alice_headers).status_code for _ in range(3)] == [200, 200, 429]
    assert client.get("/api/v1/me", **bob_headers).status_code == 200


def test_the_cache_is_shared_between_processes(settings):
    """A rate limit per process would multiply by the number of workers: the default cache is
    the database (or Redis/memcached through CACHE_URL), never memory of one process."""
    assert settings.CACHES["default"]["BACKEND"] != "django.core.cache.backends.locmem.LocMemCache"


# --- Item 10: open redirects ------------------------------------------------------------


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "https:/\\evil.example"])
def test_the_large_type_switch_never_redirects_off_site(client, target):
    response = client.post("/display/large-type/", {"enabled": "1", "next": target}, HTTP_REFERER=target)
    assert response.status_code == 302 and response["Location"] == "/"


def test_idempotency_records_expire(alice):
    old = IdempotencyRecord.objects.create(caller=f"accounts.user:{alice.pk}", key="old", fingerprint="x", operation="")
    IdempotencyRecord.objects.filter(pk=old.pk).update(created_at=timezone.now() - RETENTION - timedelta(minutes=1))
    IdempotencyRecord.objects.create(caller=f"accounts.user:{alice.pk}", key="new", fingerprint="x", operation="")
    call_command("core_idempotency_purge", stdout=io.StringIO())
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["new"]


def test_the_openapi_document_names_every_key_once(client):
    # Swagger UI reads the document with a YAML parser that refuses a key given twice (an
    # int 200 and a string "200" both print as "200"): the whole documentation page stays blank.
    repeated = []

    def refuse_repeats(pairs):
        keys = [key for key, _ in pairs]
        repeated.extend({key for key in keys if keys.count(key) > 1})
        return dict(pairs)

    json.loads(client.get("/api/openapi.json").content, object_pairs_hook=refuse_repeats)
    assert repeated == []

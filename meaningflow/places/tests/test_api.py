import pytest

pytestmark = pytest.mark.django_db

BASE = "/api/v1/places"


@pytest.mark.postgres
def test_division_list_is_paginated(client, places):
    body = client.get(f"{BASE}/divisions", {"limit": 10}).json()
    assert body["count"] == places["divisions"]
    assert len(body["items"]) == 10
    assert body["items"][0]["code"] == "110000"


def test_division_list_filters(client, places):
    body = client.get(f"{BASE}/divisions", {"parent": "430000"}).json()
    assert body["count"] == 14
    assert {item["parent_code"] for item in body["items"]} == {"430000"}
    provinces = client.get(f"{BASE}/divisions", {"level": "province", "limit": 100}).json()
    assert provinces["count"] == 34
    found = client.get(f"{BASE}/divisions", {"q": "长沙"}).json()
    assert [item["code"] for item in found["items"]] == ["430100"]


def test_division_list_rejects_unknown_level(client, places):
    response = client.get(f"{BASE}/divisions", {"level": "county"})
    assert response.status_code == 422 and response.json()["code"] == "request.invalid"
    assert response.json()["errors"][0]["field"] == "level"


def test_division_detail(client, places):
    response = client.get(f"{BASE}/divisions/430100", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    body = response.json()
    assert body["code"] == "430100"
    assert body["level"] == "prefecture"
    assert body["parent_code"] == "430000"
    assert (body["name_zh"], body["name_en"], body["name"]) == ("长沙市", "Changsha", "Changsha")
    assert body["latitude"] and body["longitude"]


def test_division_detail_is_localised(client, places):
    body = client.get(f"{BASE}/divisions/430000", HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    assert body["name"] == "湖南省"
    assert body["parent_code"] is None


def test_division_detail_404(client, places):
    response = client.get(f"{BASE}/divisions/999999")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_city_list(client, places):
    body = client.get(f"{BASE}/cities", {"q": "Chiang Mai"}, HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    first = body["items"][0]
    assert (first["name_en"], first["name_zh"], first["name"]) == ("Chiang Mai", "清迈", "清迈")
    assert first["country_code"] == "TH"
    assert first["country_name"] == "泰国"
    assert first["division_code"] is None


def test_city_list_by_country(client, places):
    body = client.get(f"{BASE}/cities", {"country": "jp", "limit": 5}).json()
    assert body["count"] > 100
    assert body["items"][0]["name_en"] == "Tokyo"
    assert {item["country_code"] for item in body["items"]} == {"JP"}


def test_api_needs_no_login(client, places):
    assert client.get(f"{BASE}/cities", {"q": "Berlin"}).status_code == 200

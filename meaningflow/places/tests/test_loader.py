import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import translation

from meaningflow.places import selectors
from meaningflow.places.models import City, Division
from meaningflow.places.services import DATA_DIR, places_load

pytestmark = pytest.mark.django_db


@pytest.mark.postgres
def test_load_is_idempotent(places):
    again = places_load()
    assert again["divisions_created"] == 0
    assert again["cities_created"] == 0
    assert again["divisions"] == places["divisions"] == places["divisions_in_data"]
    assert again["cities"] == places["cities"] == places["cities_in_data"]
    assert Division.objects.values("code").distinct().count() == again["divisions"]
    assert City.objects.values("geonameid").distinct().count() == again["cities"]


def test_first_load_reports_counts(places):
    assert places["provinces"] == 34
    assert places["prefectures"] >= 333
    assert places["divisions_created"] == places["divisions"]
    assert places["cities"] > 5000
    assert places["cities_with_chinese_name"] > 2000


@pytest.mark.postgres
def test_load_restores_edited_rows(places):
    Division.objects.filter(code="430100").update(name_en="Wrong", latitude=None)
    places_load()
    changsha = Division.objects.get(code="430100")
    assert changsha.name_en == "Changsha"
    assert changsha.latitude is not None


def test_hunan_and_changsha(places):
    hunan = Division.objects.get(code="430000")
    assert (hunan.name_zh, hunan.name_en, hunan.level, hunan.parent) == (
        "湖南省",
        "Hunan",
        Division.Level.PROVINCE,
        None,
    )
    changsha = Division.objects.get(code="430100")
    assert (changsha.name_zh, changsha.name_en) == ("长沙市", "Changsha")
    assert changsha.parent == hunan
    assert changsha.level == Division.Level.PREFECTURE
    assert 27.9 < changsha.latitude < 28.5 and 112.7 < changsha.longitude < 113.3
    # Province coordinates are the capital's.
    assert (hunan.latitude, hunan.longitude) == (changsha.latitude, changsha.longitude)


def test_conventional_english_names(places):
    names = dict(Division.objects.filter(level="province").values_list("code", "name_en"))
    assert names["150000"] == "Inner Mongolia"
    assert names["540000"] == "Tibet"
    assert names["610000"] == "Shaanxi" and names["140000"] == "Shanxi"
    assert names["810000"] == "Hong Kong" and names["820000"] == "Macao"
    xiangxi = Division.objects.get(code="433100")
    assert xiangxi.name_en == "Xiangxi Tujia and Miao Autonomous Prefecture"


def test_every_prefecture_has_coordinates(places):
    assert not Division.objects.filter(latitude__isnull=True).exists()


def test_municipality_has_one_prefecture_twin(places):
    beijing = Division.objects.get(code="110000")
    assert [(d.code, d.name_zh) for d in beijing.children.all()] == [("110100", "北京市")]


def test_chiang_mai_has_chinese_name(places):
    chiang_mai = City.objects.get(name_en="Chiang Mai", country_code="TH")
    assert chiang_mai.name_zh == "清迈"
    assert chiang_mai.timezone == "Asia/Bangkok"


def test_mainland_cities_are_not_world_cities(places):
    assert not City.objects.filter(country_code="CN").exists()
    hong_kong = City.objects.get(name_en="Hong Kong")
    assert hong_kong.division.code == "810000"


def test_localised_names(places):
    city = City.objects.get(name_en="Bangkok")
    with translation.override("zh-hans"):
        assert city.name == str(city) == "曼谷"
        assert city.country_name == "泰国"
    with translation.override("en"):
        assert city.name == str(city) == "Bangkok"
        assert city.country_name == "Thailand"


def test_data_files_stay_small():
    for name in ("cn_divisions.json", "world_cities.json"):
        assert (DATA_DIR / name).stat().st_size < 2 * 1024 * 1024
        json.loads((DATA_DIR / name).read_text(encoding="utf-8"))


def test_load_places_command_prints_summary(db):
    out = StringIO()
    with translation.override("en"):
        call_command("load_places", stdout=out)
    assert "Loading" in out.getvalue()
    assert "34 provinces" in out.getvalue()


# --- selectors over the loaded data --------------------------------------------


@pytest.mark.postgres
def test_division_for_code(places):
    assert selectors.division_for_code("430102").code == "430100"  # district -> Changsha
    assert selectors.division_for_code("430100").code == "430100"
    assert selectors.division_for_code("430000").code == "430000"
    assert selectors.division_for_code("429004").code == "420000"  # Xiantao: no prefecture
    assert selectors.division_for_code("500230").code == "500100"  # Chongqing county
    assert selectors.division_for_code("990101") is None
    assert selectors.division_for_code("4301") is None


@pytest.mark.postgres
def test_divisions_under(places):
    hunan = list(selectors.divisions_under("430000").values_list("code", flat=True))
    assert hunan == list(selectors.divisions_under("43").values_list("code", flat=True))
    assert "430100" in hunan and "433100" in hunan and "430000" not in hunan
    assert len(hunan) == 14
    assert not selectors.divisions_under("430100").exists()


@pytest.mark.postgres
def test_division_search(places):
    assert [d.code for d in selectors.division_search("长沙")] == ["430100"]
    assert [d.code for d in selectors.division_search("changsha")] == ["430100"]
    assert selectors.division_search("湖南")[0].code == "430000"
    assert selectors.division_search("4301")[0].code == "430100"
    assert len(selectors.division_search("州", limit=5)) == 5
    assert selectors.division_search("  ") == []


@pytest.mark.postgres
def test_city_search(places):
    assert selectors.city_search("清迈")[0].name_en == "Chiang Mai"
    assert selectors.city_search("zurich")[0].name_en == "Zürich"
    assert selectors.city_search("paris", country_code="fr")[0].name_zh == "巴黎"
    assert selectors.city_search("Cambridge", country_code="US")[0].country_code == "US"
    assert len(selectors.city_search("san", limit=3)) == 3
    assert selectors.city_search("") == []

"""Full-text search for Chinese and English on both databases (DG-2), and the filters."""

from datetime import timedelta

import pytest
from django.utils import timezone

from meaningflow.needs import search, selectors, services

pytestmark = pytest.mark.django_db


def test_tokens_cover_cjk_bigrams_and_english_stems():
    assert "饺子" in search.tokens("包饺子文化体验")
    assert search.query_tokens("饺子") == ["饺子"]
    assert search.query_tokens("Dumplings") == search.query_tokens("dumpling") == ["dumpl"]
    assert search.query_tokens("饺") == ["饺"]
    assert search.tokens("Café") == ["cafe"]


@pytest.fixture
def needs(make_need):
    return {
        "dumplings": make_need(),
        "phones": make_need(
            title="社区老人智能手机教学",
            title_en="",
            description="教老人使用微信和健康码。",
            skills=[("digital.smartphone_use", 2)],
        ),
        "live": make_need(
            title="Rural e-commerce live-streaming",
            language="en",
            title_en="",
            description="Help farmers sell dumplings and tea online through live streams.",
            skills=[("media.live_stream_selling", 3)],
            type="project",
            is_remote=True,
            division=None,
        ),
        "paper": make_need(
            title="剪纸非遗工作坊",
            title_en="Heritage paper-cutting workshop",
            description="学习剪纸。",
            skills=[("crafts.paper_cutting", 1)],
            is_public_need=True,
            public_category="cultural_heritage",
        ),
    }


@pytest.mark.postgres
def test_chinese_two_character_word_is_found(needs):
    found = [n.pk for n in selectors.need_search(q="饺子").page]
    assert found == [needs["dumplings"].pk]
    assert [n.pk for n in selectors.need_search(q="手机").page] == [needs["phones"].pk]
    assert [n.pk for n in selectors.need_search(q="剪纸").page] == [needs["paper"].pk]


@pytest.mark.postgres
def test_english_word_is_found_with_ranking(needs):
    found = [n.pk for n in selectors.need_search(q="dumpling").page]
    # The title match ranks above the description match.
    assert found == [needs["dumplings"].pk, needs["live"].pk]
    assert [n.pk for n in selectors.need_search(q="Live streaming").page] == [needs["live"].pk]
    assert [n.pk for n in selectors.need_search(q="paper-cutting").page] == [needs["paper"].pk]
    assert list(selectors.need_search(q="zzzz").page) == []


@pytest.mark.postgres
def test_filters_sorting_and_pages(needs, person):
    assert {n.pk for n in selectors.need_search(region="43").page} == {
        needs["dumplings"].pk,
        needs["phones"].pk,
        needs["paper"].pk,
    }
    assert list(selectors.need_search(region="11").page) == []
    assert [n.pk for n in selectors.need_search(remote=True).page] == [needs["live"].pk]
    assert [n.pk for n in selectors.need_search(types=["project"]).page] == [needs["live"].pk]
    assert [n.pk for n in selectors.need_search(public_only=True).page] == [needs["paper"].pk]
    assert [n.pk for n in selectors.need_search(skills=["crafts.paper_cutting"]).page] == [needs["paper"].pk]
    later = timezone.now() + timedelta(days=30)
    assert list(selectors.need_search(starts_after=later).page) == []
    page = selectors.need_search(per_page=3).page
    assert page.paginator.count == 4 and len(page) == 3 and page.has_next()
    best = selectors.need_search(sort="best_match", user=person).page
    assert best[0].pk == needs["dumplings"].pk


def test_search_page_and_api(client, needs):
    # A Chinese reader searching in Chinese sees the Chinese title.
    response = client.get("/needs/", {"q": "饺子"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    assert "包饺子文化体验" in response.content.decode()
    assert "剪纸" not in response.content.decode()
    htmx = client.get("/needs/", {"q": "dumpling"}, HTTP_HX_REQUEST="true")
    assert 'id="results"' in htmx.content.decode() and "<html" not in htmx.content.decode()
    api = client.get("/api/v1/needs/", {"q": "dumpling"}).json()
    assert api["count"] == 2 and api["sort"] == "relevance"


def test_updates_keep_the_index_in_sync(needs, alice):
    services.need_update(actor=alice, need=needs["phones"], title="社区老人学用手机与饺子外卖")
    assert {n.pk for n in selectors.need_search(q="饺子").page} == {needs["dumplings"].pk, needs["phones"].pk}

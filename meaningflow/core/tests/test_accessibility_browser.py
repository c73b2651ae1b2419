"""Automated accessibility audit (WCAG 2.1 A/AA rules of axe-core) of the main pages, in
real Chromium, in both languages and in large-type mode."""

from pathlib import Path

import pytest
from django.conf import settings as django_settings

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = (Path(__file__).resolve().parents[2] / "testing" / "vendor" / "axe.min.js").read_text()
PUBLIC_PAGES = ["/", "/accounts/login/", "/accounts/register/", "/accounts/organisations/", "/accounts/password/reset/"]
PRIVATE_PAGES = [
    "/accounts/me/",
    "/accounts/me/identity/",
    "/accounts/me/profile/",
    "/accounts/me/skills/",
    "/accounts/me/availability/",
    "/accounts/me/settings/",
    "/accounts/me/tokens/",
    "/accounts/organisations/new/",
    "/notifications/",
]


def serious_violations(page) -> list[str]:
    # Evaluated through the DevTools protocol, not as an inline <script> (the site's
    # Content-Security-Policy rightly refuses those, and the page fixture checks it).
    if not page.evaluate("() => typeof axe !== 'undefined'"):
        page.evaluate(f"() => {{ {AXE}\n }}")
        assert page.evaluate("() => typeof axe !== 'undefined'"), "axe-core did not load"
    result = page.evaluate(
        "() => axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def audit(page, urls: list[str]) -> dict[str, list[str]]:
    problems = {}
    for url in urls:
        page.goto(url)
        found = serious_violations(page)
        if found:
            problems[url] = found
    return problems


def test_public_pages_have_no_serious_violations(page):
    assert audit(page, PUBLIC_PAGES) == {}


def test_private_pages_in_chinese_and_large_type_have_no_serious_violations(page, live_server, alice, reference_data):
    session = page.context
    page.goto("/accounts/login/")
    page.fill("#id_username", "alice")
    page.fill("#id_password", "correct-horse-battery-42")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/accounts/me/")
    assert audit(page, PRIVATE_PAGES) == {}
    session.add_cookies([{"name": django_settings.LANGUAGE_COOKIE_NAME, "value": "zh-hans", "url": live_server.url}])
    page.get_by_role("button", name="Large type").click()
    assert page.locator("html").get_attribute("class") == "large-type"
    assert audit(page, PRIVATE_PAGES) == {}


def test_the_audit_catches_an_unlabelled_field(page):
    page.goto("/")
    page.evaluate("() => { const i = document.createElement('input'); i.type = 'text'; document.body.append(i); }")
    assert any(v.startswith("label") for v in serious_violations(page))


def test_an_injected_inline_script_is_refused_by_the_content_security_policy(chromium, live_server):
    context = chromium.new_context(base_url=live_server.url)
    page = context.new_page()
    refused = []
    page.on("console", lambda message: refused.append(message.text))
    page.goto("/")
    page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'window.injected = 1';"
        " document.body.appendChild(s); }"
    )
    assert page.evaluate("() => window.injected") is None
    assert any("Content Security Policy" in text for text in refused)
    context.close()


def test_the_api_documentation_renders_under_the_content_security_policy(page):
    page.goto("/api/docs")
    page.wait_for_selector(".swagger-ui .opblock", timeout=15_000)
    assert page.locator(".opblock").count() > 10  # the page fixture fails on any CSP refusal


def test_the_second_factor_pages_have_no_serious_violations(page, make_officer):
    make_officer("officer_audit")
    page.goto("/accounts/login/")
    page.fill("#id_username", "officer_audit")
    page.fill("#id_password", "correct-horse-battery-42")
    page.get_by_role("button", name="Log in").click()
    assert audit(page, ["/accounts/2fa/setup/"]) == {}
    page.get_by_label("Code").fill("000000")
    page.get_by_role("button", name="Confirm").click()  # an error shown with the field
    assert page.get_by_role("alert").is_visible() or 'aria-invalid="true"' in page.content()
    assert serious_violations(page) == []

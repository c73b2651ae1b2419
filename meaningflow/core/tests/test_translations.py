"""zh-Hans ships complete: every message translated, placeholders kept, .mo up to date."""

import re
from pathlib import Path

import polib
import pytest

LOCALE = Path(__file__).resolve().parents[3] / "locale"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\{\s*\w+\s*\}\}|%[sd]")


@pytest.fixture(scope="module")
def catalogue():
    return polib.pofile(str(LOCALE / "zh_Hans" / "LC_MESSAGES" / "django.po"))


def test_every_message_is_translated(catalogue):
    missing = [e.msgid for e in catalogue if not e.obsolete and (not e.translated() or "fuzzy" in e.flags)]
    assert missing == []


def test_placeholders_survive_translation(catalogue):
    for entry in catalogue:
        translations = [entry.msgstr] if not entry.msgid_plural else list(entry.msgstr_plural.values())
        for text in translations:
            assert sorted(PLACEHOLDER.findall(text)) == sorted(PLACEHOLDER.findall(entry.msgid)), entry.msgid


def test_compiled_catalogue_matches_the_source(catalogue, tmp_path):
    compiled = tmp_path / "django.mo"
    catalogue.save_as_mofile(str(compiled))
    shipped = LOCALE / "zh_Hans" / "LC_MESSAGES" / "django.mo"
    assert {e.msgid: e.msgstr for e in polib.mofile(str(shipped))} == {
        e.msgid: e.msgstr for e in polib.mofile(str(compiled))
    }, "run `make messages` to recompile locale/zh_Hans"

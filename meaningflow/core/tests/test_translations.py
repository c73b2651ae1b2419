"""zh-Hans ships complete: every message translated, placeholders kept, .mo up to date."""

import os
import re
import shutil
import subprocess
import sys
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


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="GNU gettext is not installed (CI installs it)")
def test_every_message_in_the_code_is_in_the_catalogue(catalogue, tmp_path):
    """A string marked for translation but never extracted would show in English only: run
    makemessages on a copy of the source and compare the message ids."""
    root = LOCALE.parent
    for name in ("manage.py", "config", "meaningflow", "locale"):
        source = root / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
        else:
            shutil.copy(source, tmp_path / name)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "MEANINGFLOW_VAR_DIR": str(tmp_path / "var")}
    env.pop("PYTHONPATH", None)
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "--locale", "zh_Hans", "--no-obsolete", "--no-location"],
        cwd=tmp_path,
        env=env,
        check=True,
        capture_output=True,
    )
    extracted = polib.pofile(str(tmp_path / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"))
    shipped = {(e.msgctxt, e.msgid) for e in catalogue if not e.obsolete}
    new = sorted(e.msgid for e in extracted if not e.obsolete and (e.msgctxt, e.msgid) not in shipped)
    assert new == [], "run `make messages` and translate the new messages"

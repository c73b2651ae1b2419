"""The shipped skill taxonomy is bilingual, large enough and carries CV-E2 difficulties."""

import copy
import json

import pytest

from meaningflow.accounts.data import check_reference_data as check
from meaningflow.accounts.models import Skill
from meaningflow.accounts.services import DATA_DIR, reference_data_load


def test_shipped_reference_data_passes_its_checks():
    taxonomy = json.loads((DATA_DIR / "skill_taxonomy.json").read_text(encoding="utf-8"))
    check.check_taxonomy(taxonomy)
    assert len(taxonomy["domains"]) >= 12
    assert sum(len(d["skills"]) for d in taxonomy["domains"]) >= 150


def test_the_check_rejects_a_skill_without_a_chinese_name():
    taxonomy = json.loads((DATA_DIR / "skill_taxonomy.json").read_text(encoding="utf-8"))
    broken = copy.deepcopy(taxonomy)
    broken["domains"][0]["skills"][0]["name_zh"] = ""
    with pytest.raises(AssertionError):
        check.check_taxonomy(broken)


@pytest.mark.django_db
def test_loading_is_idempotent_and_keeps_seed_difficulties():
    first = reference_data_load()
    second = reference_data_load()
    assert first == second
    assert Skill.objects.count() == first["skills"]
    assert str(Skill.objects.get(code="software.python").difficulty) == "1.50"
    assert str(Skill.objects.get(code="languages.english_teaching").difficulty) == "1.20"

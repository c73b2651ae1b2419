"""Annex 4 section 6.2 (信任等级制度), the trust levels L1…L5 at their thresholds, against
seeds/001_3d5d96aefd01123e.txt lines 1741–1755, through the ledger's services (contributions
and trust facts recorded) and selectors (the level stored, whether resources may be used).

Amounts are exact: a room contribution at normal demand with a good review earns
200 × nights, and fractional nights give any whole amount (200 × 4.995 = 999)."""

import itertools

import pytest

from meaningflow.ledger import selectors as ledger_selectors
from meaningflow.ledger import services

pytestmark = pytest.mark.django_db

_keys = itertools.count(1)


def earn(user, amount: int) -> None:
    """Record a contribution worth exactly ``amount`` CV for ``user``."""
    contribution = services.contribution_record(
        beneficiary=user,
        kind="resource",
        inputs={"resource_type": "room", "duration": str(amount / 200)},
        idempotency_key=f"fidelity-trust-{next(_keys)}",
    )
    assert contribution.credited == amount


def fact(user, kind: str) -> None:
    services.trust_fact_record(user=user, kind=kind, cause=f"fidelity:{kind}:{user.pk}")


def test_l1_new_user_browses_only(person):
    """附件四 6.2, line 1747: “L1: 新用户 注册完成 基础浏览，无法使用资源”."""
    newcomer = person("fidelity_l1")
    assert ledger_selectors.trust_level_of(newcomer) == 1
    assert not ledger_selectors.can_use_resources(newcomer)


def test_l2_after_one_contribution(person):
    """附件四 6.2, line 1749: “L2: 普通用户 完成 1 次贡献 可使用基础资源”."""
    user = person("fidelity_l2")
    earn(user, 200)
    assert ledger_selectors.trust_level_of(user) == 2
    assert ledger_selectors.can_use_resources(user)


def test_l3_from_1000_cv(person):
    """附件四 6.2, line 1751: “L3: 认证贡献者 累计 1000 贡献值 优先匹配，更高使用额度”.
    999 is still L2; the 1 000th CV makes L3."""
    user = person("fidelity_l3")
    earn(user, 999)
    assert ledger_selectors.trust_level_of(user) == 2
    earn(user, 1)
    assert ledger_selectors.trust_level_of(user) == 3
    assert ledger_selectors.trust_standing_of(user).net_credited == 1000


def test_l4_from_5000_cv_and_a_community_recommendation(person):
    """附件四 6.2, line 1753: “L4: 高级协作者 累计 5000 贡献值+社群推荐 项目发起权，社群治理参与”.
    Both are needed: 4 999 with a recommendation is L3, 5 000 without one is L3."""
    user = person("fidelity_l4")
    earn(user, 4999)
    fact(user, "community_recommendation")
    assert ledger_selectors.trust_level_of(user) == 3
    other = person("fidelity_l4_other")
    earn(other, 5000)
    assert ledger_selectors.trust_level_of(other) == 3
    earn(user, 1)
    fact(other, "community_recommendation")
    assert ledger_selectors.trust_level_of(user) == ledger_selectors.trust_level_of(other) == 4


def test_l5_from_10000_cv_and_a_governance_contribution(person):
    """附件四 6.2, line 1755: “L5: 核心网络成员 累计 10000 贡献值+治理贡献 平台重大事项投票权”.
    L5 builds on L4 (the community recommendation) and needs both 10 000 CV and a
    governance contribution."""
    user = person("fidelity_l5")
    earn(user, 9999)
    fact(user, "community_recommendation")
    fact(user, "governance_contribution")
    assert ledger_selectors.trust_level_of(user) == 4
    earn(user, 1)
    assert ledger_selectors.trust_level_of(user) == 5
    standing = ledger_selectors.trust_standing_of(user)
    assert standing.level == 5 and standing.net_credited == 10000

"""Writes of the ledger: the only code that writes ledger tables (docs/LEDGER.md).

Other apps import from here: ``from meaningflow.ledger import services``.
"""

from meaningflow.ledger.services.chain import SealRefused, ledger_seal
from meaningflow.ledger.services.contributions import (
    contribution_record,
    contributions_pending_credit,
    contributions_pending_credit_all,
    use_record,
)
from meaningflow.ledger.services.core import IdempotencyConflict, ledger_bootstrap
from meaningflow.ledger.services.decay import decay_run
from meaningflow.ledger.services.domains import (
    domain_convert,
    domain_create,
    domain_terms_in_force,
    domain_terms_publish,
)
from meaningflow.ledger.services.holds import hold_consume, hold_place, hold_release, holds_expire
from meaningflow.ledger.services.parameters import parameter_set_publish
from meaningflow.ledger.services.trust import (
    penalty_reset,
    trust_fact_record,
    trust_level_refresh,
    trust_levels_refresh,
)

__all__ = [
    "IdempotencyConflict",
    "SealRefused",
    "contribution_record",
    "contributions_pending_credit",
    "contributions_pending_credit_all",
    "decay_run",
    "domain_convert",
    "domain_create",
    "domain_terms_in_force",
    "domain_terms_publish",
    "hold_consume",
    "hold_place",
    "hold_release",
    "holds_expire",
    "ledger_bootstrap",
    "ledger_seal",
    "parameter_set_publish",
    "penalty_reset",
    "trust_fact_record",
    "trust_level_refresh",
    "trust_levels_refresh",
    "use_record",
]

"""Proactive discovery (GV-4, BX-11): the rules over a whole region in one simulation.

The registry of a region is read column-wise with one SQL query into numpy arrays, one
OpenFisca simulation is built for the whole population (per province rule set), every
recognition and entitlement is computed vectorised, and results are written set-based
(multi-row upserts in chunks). Only what changed is written: each recognition carries a
64-bit fingerprint of its results (read back in the same query as the registry), so an
unchanged person is not rewritten, and push items already created for the month are not
inserted again; a repeated run is then nearly write-free. Per person, only the JSON of
the written results is built in Python. ``explain_person`` re-runs the rules for one person with tracing on.
"""

from meaningflow.assistance.discovery.explain import explain_person, rules_status_text
from meaningflow.assistance.discovery.population import READ_COLUMNS, Population, current_period, load_population
from meaningflow.assistance.discovery.run import discovery_run
from meaningflow.assistance.discovery.simulation import OUTPUTS, build_simulation, compute, compute_population

__all__ = [
    "OUTPUTS",
    "READ_COLUMNS",
    "Population",
    "build_simulation",
    "compute",
    "compute_population",
    "current_period",
    "discovery_run",
    "explain_person",
    "load_population",
    "rules_status_text",
]

"""Hunan (GB/T 2260 prefix 43): a regional restatement of the national rules.

Applied as an OpenFisca *reform* selected by region code (see ``REGIONAL_REFORMS`` and
docs/RULES.md): the YAML files under ``parameters/`` replace the national parameter of
the same path (a regional file restates the parameter's whole dated history), and one
regional category is added — 防止返贫监测对象 (households monitored against relapse into
poverty) counts towards employment-difficulty recognition.

Its values are **demonstration** values (``status``): the reform applies only where it is
switched on (``settings.ASSISTANCE_REGIONAL_RULES``), and the trace says so.
"""

from pathlib import Path

import numpy
from openfisca_core.parameters import ParameterNode
from openfisca_core.periods import DateUnit
from openfisca_core.reforms import Reform
from openfisca_core.variables import Variable

from meaningflow.assistance.policy import DEMONSTRATION
from meaningflow.assistance.policy.entities import Person
from meaningflow.assistance.policy.i18n import gettext_noop
from meaningflow.assistance.policy.variables.recognition import CATEGORY_VARIABLES

HERE = Path(__file__).resolve().parent


def _leaves(node: ParameterNode, prefix: str = ""):
    for name, child in node.children.items():
        path = f"{prefix}{name}"
        if isinstance(child, ParameterNode):
            yield from _leaves(child, f"{path}.")
        else:
            yield path, child


def override_parameters(parameters: ParameterNode, directory: Path) -> ParameterNode:
    """Replace each national parameter by the regional file with the same path; each
    replaced parameter is marked regional (the trace shows it)."""
    regional = ParameterNode("", directory_path=str(directory))
    for path, leaf in _leaves(regional):
        *parents, name = path.split(".")
        node = parameters
        for part in parents:
            node = node.children[part]
        leaf.name = path
        leaf.metadata["regional"] = True
        node.children[name] = leaf
        setattr(node, name, leaf)
    return parameters


class is_poverty_relapse_monitored(Variable):
    value_type = bool
    entity = Person
    definition_period = DateUnit.MONTH
    label = gettext_noop("Member of a household monitored against relapse into poverty (防止返贫监测对象)")


class in_regional_category(Variable):
    value_type = bool
    entity = Person
    definition_period = DateUnit.MONTH
    label = gettext_noop("In one of the extra categories Hunan recognises (national list + 防止返贫监测对象)")
    reference = "湖南省就业困难人员认定 (regional category; demonstration)"

    def formula(person, period, parameters):
        enabled = parameters(period).employment_difficulty.categories
        result = person("is_poverty_relapse_monitored", period).copy()
        for key, variable in CATEGORY_VARIABLES.items():
            if enabled[key]:
                result |= person(variable, period)
        return numpy.asarray(result, dtype=bool)


class HunanRules(Reform):
    name = "Hunan (43) employment-assistance rules"
    status = DEMONSTRATION
    region_label = gettext_noop("Hunan")

    def apply(self) -> None:
        self.add_variable(is_poverty_relapse_monitored)
        self.update_variable(in_regional_category)
        self.modify_parameters(modifier_function=lambda p: override_parameters(p, HERE / "parameters"))

"""Reading parameters that are not in force on every date."""

import numpy
from openfisca_core.errors import ParameterNotFoundError


def optional(node, name: str):
    """The parameter ``name`` of a node at an instant, or None where its YAML says it is not
    in force then (an explicit ``value: null`` with a reference)."""
    try:
        return getattr(node, name)
    except ParameterNotFoundError:
        return None


def values_on(parameter, dates) -> numpy.ndarray:
    """A parameter's value on each date (None where not in force), one lookup per distinct
    date: a million persons share a handful of dates."""
    days, position = numpy.unique(numpy.asarray(dates, dtype="datetime64[D]"), return_inverse=True)
    return numpy.array([parameter(str(day)) for day in days], dtype=object)[position]

"""Read-only JSON API for places; mounted by config.api at /api/v1/places/.

Public (no authentication): it serves reference data that registration and
search forms need before anyone signs in.
"""

from typing import Literal

from django.http import Http404
from ninja.pagination import paginate

from meaningflow.core.pagination import Pagination
from meaningflow.core.routers import ApiRouter
from meaningflow.places import selectors
from meaningflow.places.schemas import CityOut, DivisionOut, NotFoundOut

router = ApiRouter(tags=["places"], auth=None)


@router.get("/divisions", response=list[DivisionOut])
@paginate(Pagination)
def division_list(
    request,
    parent: str | None = None,
    level: Literal["province", "prefecture"] | None = None,
    q: str | None = None,
):
    """Chinese divisions in GB/T 2260 order; filter by parent code, level or name/code."""
    return selectors.division_list(parent=parent, level=level, q=q)


@router.get("/divisions/{code}", response={200: DivisionOut, 404: NotFoundOut})
def division_detail(request, code: str):
    division = selectors.division_get(code)
    if division is None:
        raise Http404
    return division


@router.get("/cities", response=list[CityOut])
@paginate(Pagination)
def city_list(request, q: str | None = None, country: str | None = None):
    """World cities, most populous first; q matches Chinese, English or accent-free names."""
    return selectors.city_list(q=q, country_code=country)

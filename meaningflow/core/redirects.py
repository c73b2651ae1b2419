"""Where to go after a form: the ``next`` a page asked for, when it stays on this site.

Every view that reads ``next`` goes through :func:`safe_next_url`, so that a link such as
``/assistance/warnings/7/resolve/?next=https://evil.example`` cannot send a signed-in
officer to another site (an open redirect; issue 12, item 10)."""

from django.shortcuts import resolve_url
from django.utils.http import url_has_allowed_host_and_scheme


def safe_next_url(request, fallback: str = "/", *, referer: bool = False) -> str:
    """``next`` from the form or the query (or, with ``referer``, the Referer header) when
    it points to this host with an allowed scheme; otherwise ``fallback`` (a URL or a URL
    name)."""
    candidates = [request.POST.get("next"), request.GET.get("next")]
    if referer:
        candidates.append(request.META.get("HTTP_REFERER"))
    for target in candidates:
        if target and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return target
    return resolve_url(fallback)

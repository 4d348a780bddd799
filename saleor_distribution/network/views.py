"""Referral links: `/r/<code>` and `/r/<code>/<product>` redirect to the storefront.

A thin adapter: it reads the request (installation hint, channel, visitor address and user
agent) and calls `network.actions.follow_referral_link`, which owns every rule.
"""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from saleor_distribution.network import actions, fetch

MAX_USER_AGENT_CHARS = 512
MAX_ID_DIGITS = 18  # a bigint; a longer `?i=` is ignored rather than overflowing the query


def client_ip(request: HttpRequest, trusted_proxies: int) -> str:
    """The visitor's address: the socket peer, or the N-th X-Forwarded-For entry from the
    right when N proxies we trust append to it (entries further left are client-supplied)."""
    if trusted_proxies > 0:
        forwarded = [
            part.strip()
            for part in request.headers.get("X-Forwarded-For", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= trusted_proxies:
            return forwarded[-trusted_proxies]
    return request.META.get("REMOTE_ADDR", "")


@never_cache
@require_GET
def referral_view(request: HttpRequest, code: str, product: str = "") -> HttpResponse:
    hint = request.GET.get("i", "")
    installation = fetch.installation_for_referral(
        code, int(hint) if hint.isdigit() and len(hint) <= MAX_ID_DIGITS else None
    )
    if installation is None:
        raise Http404("unknown referral link")
    redirect = actions.follow_referral_link(
        installation,
        code=code,
        product=product,
        channel=request.GET.get("channel", ""),
        ip=client_ip(request, settings.REFERRAL_TRUSTED_PROXY_COUNT),
        user_agent=request.headers.get("User-Agent", "")[:MAX_USER_AGENT_CHARS],
    )
    if redirect.url is None:
        raise Http404("this shop has no storefront address for referral links")
    # 302, not 301: browsers cache a permanent redirect and the click would not be counted.
    return HttpResponseRedirect(redirect.url)

"""The client's address, the one the login lockout and the API throttles count
against.

X-Forwarded-For is a list that anyone can start: a client sends any value it
likes and each proxy appends the address it received the request from. Only
the entries appended by our own proxies are facts, so with
``TRUSTED_PROXY_COUNT = N`` the client is the N-th entry from the right (what
the outermost of our proxies saw); everything left of it is the client's own
say. With 0 (no proxy) the header is ignored and the TCP peer is the client.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings


def client_address(request) -> str:
    """The address of the client that sent ``request`` (a Django or DRF request)."""
    peer = request.META.get("REMOTE_ADDR", "")
    hops = settings.TRUSTED_PROXY_COUNT
    if hops == 0:
        return peer
    forwarded = [entry.strip() for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [entry for entry in forwarded if entry]
    if not forwarded:
        # Not through our proxies (a health check from inside, say): the peer is the client.
        return peer
    # Fewer entries than proxies: the request entered behind the outermost
    # one, and the leftmost entry is still one that our proxies wrote.
    candidate = forwarded[-min(hops, len(forwarded))]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        # Our proxies write addresses; anything else means they are not
        # configured as TRUSTED_PROXY_COUNT says. Count against the peer.
        return peer

"""The API's throttles. They count in the shared cache (``CACHES``), per client
address as ``leadcourt.accounts.client_address`` finds it; DRF's own
``get_ident`` would key on the whole X-Forwarded-For header, which a client
writes itself, so a new header value on each request was never throttled."""

from __future__ import annotations

from rest_framework.throttling import ScopedRateThrottle

from leadcourt.accounts.client_address import client_address


class ClientAddressScopedRateThrottle(ScopedRateThrottle):
    def get_ident(self, request) -> str:
        return client_address(request)

"""Authentication backends (``AUTHENTICATION_BACKENDS`` in settings)."""

from __future__ import annotations

from axes.backends import AxesStandaloneBackend


class LoginLockoutBackend(AxesStandaloneBackend):
    """django-axes' lockout check: refuses every login from a client address
    that failed too often, before ModelBackend checks the password.

    A call without a request is not a login from outside (a management
    command, the shell, ``authenticate()`` in code): there is no client to
    count it against, so it is let through to the password check instead of
    raising as axes' own backend does. Every way in from outside (the login
    pages, the API token endpoint) passes its request.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)

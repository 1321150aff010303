"""Password reset by e-mail: Django's views with LeadCourt's templates
(templates/registration/password_reset_*)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import views as auth_views


class PasswordResetView(auth_views.PasswordResetView):
    """The link in the mail is built from SITE_URL, not from the request's
    Host header, so a forged Host cannot point the mail somewhere else."""

    @property
    def extra_email_context(self) -> dict:
        return {"site_url": settings.SITE_URL.rstrip("/")}

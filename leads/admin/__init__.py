"""The leads app in Django's admin, one module per thing it shows: ``leads``
(leads, history, touches, segments), ``rulebook`` (reason codes, versions),
and, beside their own code, campaigns and import runs. Importing them here
registers them all when the admin autodiscovers ``leads.admin``.

The admin is one more interface, so it obeys the same rules as the others:
every change it offers calls a service (``actions``).
"""

from leads.admin import actions, leads, rulebook
from leads.campaigns import admin as campaigns
from leads.imports import admin as imports

__all__ = ["actions", "campaigns", "imports", "leads", "rulebook"]

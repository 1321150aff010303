"""Every row lock the leads app takes, one helper per locked queryset
(Saleor's ``lock_objects``), so that the lock order lives in one place.

Lock order, everywhere: the rulebook or a campaign (never held together with
a lead), else the lead, then its case. The court's ``case_lock_with_lead``
(``adjudication/locks.py``) takes the lead through ``lead_lock`` first, so two
services that need both never wait on each other crosswise.
"""

from __future__ import annotations

from leads.models import Campaign, Lead, RulebookVersion


def lead_lock(lead_id: int) -> Lead:
    """Lock one lead for the current transaction and return it freshly read.

    ``of=("self",)`` keeps PostgreSQL from also locking joined rows.
    Raises ``Lead.DoesNotExist`` if the lead is gone.
    """
    return Lead.objects.select_for_update(of=("self",)).get(pk=lead_id)


def campaign_lock(campaign_id: int) -> Campaign:
    """Lock one campaign, so two editors cannot overwrite each other unseen."""
    return Campaign.objects.select_for_update().get(pk=campaign_id)


def rulebook_lock_current() -> RulebookVersion | None:
    """Lock the newest rulebook version (``None`` before the first one), so
    two editors cannot both publish version n+1."""
    return RulebookVersion.objects.select_for_update().order_by("-version").first()

"""Every row lock the court takes, in the one order (lead, then case) that
keeps two services from waiting on each other crosswise. The lead's own lock
is the leads app's (``leads.locks.lead_lock``); this module only adds the
case after it."""

from __future__ import annotations

from adjudication.models import Case
from leads.locks import lead_lock
from leads.models import Lead


def case_lock_with_lead(case: Case) -> tuple[Lead, Case]:
    """Lock ``case``'s lead, then the case, for the current transaction, and
    return both freshly read. A case never changes lead, so reading
    ``case.lead_id`` before locking is safe."""
    lead = lead_lock(case.lead_id)
    return lead, Case.objects.select_for_update(of=("self",)).get(pk=case.pk)

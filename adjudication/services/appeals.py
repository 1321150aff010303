"""Marketing's answer to a rejection: appeal it before the judges, or
concede it (the lead returns to marketing). Both are the court's: an appeal
opens a case, and conceding is the other way out of the appeal window."""

from __future__ import annotations

from django.utils import timezone

from adjudication.models import STATEMENT_MAX_LENGTH, Case, CaseKind, Statement
from adjudication.services.opening import case_open
from leadcourt.errors import GuardFailed, InvalidInput
from leadcourt.text import text_clean
from leads.models import Lead
from leads.services import lead_transition
from leads.services.inputs import note_clean


def case_open_appeal(*, lead: Lead, actor, argument: str) -> Case:
    """rejected → in_review: the owning marketer appeals within the appeal
    window; the argument becomes the case's first statement."""
    with lead_transition(lead=lead, actor=actor, name="appeal") as step:
        argument = text_clean(argument)
        if not argument:
            raise InvalidInput({"argument": "State why sales should not have rejected this lead."})
        if len(argument) > STATEMENT_MAX_LENGTH:
            raise InvalidInput({"argument": f"At most {STATEMENT_MAX_LENGTH} characters."})
        due = step.lead.appeal_due_at
        if due is not None and step.now > due:
            raise GuardFailed(
                f"The appeal window closed on {timezone.localtime(due):%Y-%m-%d %H:%M}.",
                code="appeal_window_closed",
            )
        step.lead.appeal(at=step.now)
        case = case_open(step, kind=CaseKind.APPEAL)
        Statement.objects.create(case=case, author=actor, text=argument, created_at=step.now)
    return case


def lead_concede(*, lead: Lead, actor, note: str = "") -> Lead:
    """rejected → returned: the owning marketer accepts sales' cause."""
    with lead_transition(lead=lead, actor=actor, name="concede") as step:
        step.lead.concede(at=step.now)
        step.record(note=note_clean(note))
    return step.lead

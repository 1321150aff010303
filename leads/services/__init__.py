"""Every write to leads. Browser views, the API, imports, jobs and the court
call these; each module holds one kind of write:

- ``transition_step``: the shape every transition shares (lock, 403, 409,
  record the history row);
- ``transitions``: the lifecycle moves people and jobs make, and reassignment;
- ``intake``: new leads, one at a time or a CSV chunk at a time;
- ``touches``: follow-up attempts;
- ``rulebook``: publishing rulebook versions;
- ``inputs``: checks of notes, reasons and criteria the others share.

Campaign writes live with campaigns (``leads.campaigns.services``); the moves
into and out of review (appeal, concede, cases, verdicts) with the court
(``adjudication.services``). The names below are the public surface, so that
callers write ``services.lead_accept(...)`` without knowing the module.
"""

from leads.services.inputs import NOTE_MAX_LENGTH
from leads.services.intake import (
    LEAD_TEXT_FIELDS,
    LeadHasNoValue,
    LeadIntake,
    lead_create,
    lead_create_and_qualify,
    lead_ensure_may_create,
    lead_first_by_email,
    lead_intake_clean,
    lead_intake_has_value,
    lead_owner_for_intake,
)
from leads.services.rulebook import RULE_FIELDS, rulebook_version_check, rulebook_version_create
from leads.services.touches import TOUCH_CLOCK_SKEW, lead_touch_log
from leads.services.transition_step import (
    TransitionStep,
    lead_ensure_may,
    lead_ensure_state_allows,
    lead_transition,
)
from leads.services.transitions import (
    lead_accept,
    lead_close_lost,
    lead_close_won,
    lead_disqualify,
    lead_expire_appeal,
    lead_qualify,
    lead_qualify_opportunity,
    lead_reassign,
    lead_recycle,
    lead_reject,
    lead_return_after_followup,
)

__all__ = [
    "LEAD_TEXT_FIELDS",
    "NOTE_MAX_LENGTH",
    "RULE_FIELDS",
    "TOUCH_CLOCK_SKEW",
    "LeadHasNoValue",
    "LeadIntake",
    "TransitionStep",
    "lead_accept",
    "lead_close_lost",
    "lead_close_won",
    "lead_create",
    "lead_create_and_qualify",
    "lead_disqualify",
    "lead_ensure_may",
    "lead_ensure_may_create",
    "lead_ensure_state_allows",
    "lead_expire_appeal",
    "lead_first_by_email",
    "lead_intake_clean",
    "lead_intake_has_value",
    "lead_owner_for_intake",
    "lead_qualify",
    "lead_qualify_opportunity",
    "lead_reassign",
    "lead_recycle",
    "lead_reject",
    "lead_return_after_followup",
    "lead_touch_log",
    "lead_transition",
    "rulebook_version_check",
    "rulebook_version_create",
]

"""Every write to cases, one module per kind of write:

- ``opening``: a lead goes before the judges (ignored, not followed up,
  audited; the all-rejections audit that runs inside a rejection), and the
  set-based form the sweeps use for the first two;
- ``appeals``: marketing appeals a rejection or concedes it;
- ``verdicts``: statements, votes and the verdict that moves the lead;
- ``monthly_sample``: the reproducible sample of unappealed rejections.

Every service locks the lead, then the case (``adjudication.locks``). The
names below are the public surface (``court.case_verdict_render(...)``).
"""

from adjudication.models import STATEMENT_MAX_LENGTH
from adjudication.services.appeals import case_open_appeal, lead_concede
from adjudication.services.monthly_sample import MonthlySampleResult, monthly_sample_open_cases
from adjudication.services.opening import (
    case_open_audit,
    case_open_audit_after_reject,
    case_open_ignored,
    case_open_not_followed_up,
    cases_open_ignored,
    cases_open_not_followed_up,
    leads_overdue_for_decision,
    leads_overdue_for_followup,
)
from adjudication.services.verdicts import case_statement_add, case_verdict_render

__all__ = [
    "STATEMENT_MAX_LENGTH",
    "MonthlySampleResult",
    "case_open_appeal",
    "case_open_audit",
    "case_open_audit_after_reject",
    "case_open_ignored",
    "case_open_not_followed_up",
    "case_statement_add",
    "case_verdict_render",
    "cases_open_ignored",
    "cases_open_not_followed_up",
    "lead_concede",
    "leads_overdue_for_decision",
    "leads_overdue_for_followup",
    "monthly_sample_open_cases",
]

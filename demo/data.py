"""The demo organisation's data tables: its people, segments, campaigns, the
words its people write, and the numbers that shape the demo (seeds, sizes)."""

from __future__ import annotations

import os
from dataclasses import dataclass

from leadcourt.accounts import roles
from leadcourt.accounts.models import Department
from leads.models import (
    CampaignStatus,
    TouchChannel,
    TouchOutcome,
)

DEMO_SEED = 20250601
HISTORY_DAYS = 90
# Leads replayed one by one through the services; beyond this, bulk writes.
SERVICE_DRIVEN_MAX = 300
BULK_BATCH_SIZE = 2000
EXTERNAL_ID_PREFIX = "demo-"


def demo_url() -> str:
    """Where ``make run`` serves the app (it passes its HOST and PORT)."""
    return f"http://{os.environ.get('HOST') or '127.0.0.1'}:{os.environ.get('PORT') or '8000'}/"


def demo_external_id(number: int) -> str:
    return f"{EXTERNAL_ID_PREFIX}{number:06d}"


# --- the cast ------------------------------------------------------------------


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    department: str
    roles: tuple[str, ...] = ()
    superuser: bool = False

    @property
    def password(self) -> str:
        # Fixed and readable so a demo can be shown, long enough not to be in
        # the common-password lists; set again on every run. That is exactly
        # why the command refuses to run in production (see ``handle``).
        return f"leadcourt-{self.username}"

    @property
    def role_label(self) -> str:
        return "superuser" if self.superuser else ", ".join(self.roles)


DEMO_USERS = (
    DemoUser("rep", "Riley", "Porter", Department.SALES, (roles.SALES_REP,)),
    DemoUser("rep2", "Jordan", "Blake", Department.SALES, (roles.SALES_REP,)),
    DemoUser("marketer", "Maya", "Chen", Department.MARKETING, (roles.MARKETER,)),
    DemoUser("marketer2", "Tom", "Okafor", Department.MARKETING, (roles.MARKETER,)),
    DemoUser("judge", "Elena", "Rossi", Department.EXECUTIVE, (roles.JUDGE,)),
    DemoUser("manager", "David", "Novak", Department.EXECUTIVE, (roles.MANAGER,)),
    DemoUser("admin", "Alex", "Morgan", Department.OTHER, superuser=True),
)
# Users get addresses under a reserved domain: notifications must never reach anyone.
DEMO_EMAIL_DOMAIN = "demo.leadcourt.example"

DEMO_SEGMENTS = (
    # code, name, owning rep (leads of the segment route to them)
    ("enterprise", "Enterprise", "rep"),
    ("mid-market", "Mid-market", None),
    ("smb", "Small business", None),
)


@dataclass(frozen=True)
class DemoCampaign:
    name: str
    source: str
    marketer: str
    status: str
    started_days_ago: int
    ended_days_ago: int | None = None
    forecast: tuple[int, int, str, str] | None = None  # leads, MQLs, revenue, budget


DEMO_CAMPAIGNS = (
    DemoCampaign(
        "Cloud Cost Webinar Series", "Webinar", "marketer", CampaignStatus.LIVE, 85,
        forecast=(140, 50, "420000", "18000"),
    ),
    DemoCampaign(
        "Paid Search — Analytics Suite", "Paid search", "marketer2", CampaignStatus.LIVE, 60,
        forecast=(220, 60, "380000", "35000"),
    ),
    DemoCampaign(
        "State of Operations Report", "Content", "marketer", CampaignStatus.ENDED, 120, 30,
        forecast=(90, 30, "250000", "12000"),
    ),
    # A draft has no forecast yet: it cannot go live until it gets one.
    DemoCampaign("Partner Referral Pilot", "Partner referral", "marketer2", CampaignStatus.DRAFT, 10),
)  # fmt: skip

SOURCES_WITHOUT_CAMPAIGN = ("Website", "Trade show", "Inbound call", "LinkedIn", "Referral")
COUNTRIES = (
    "United Kingdom", "United Kingdom", "United Kingdom", "Ireland", "Germany", "France",
    "Netherlands", "Sweden", "Spain", "United States", "United States", "Canada",
)  # fmt: skip
TITLES = (
    "Head of Operations", "IT Director", "VP Engineering", "CFO", "Finance Manager",
    "Procurement Lead", "Chief Technology Officer", "Operations Manager", "Data Platform Lead",
    "Head of Analytics", "COO", "Systems Administrator", "Marketing Director", "Project Manager",
)  # fmt: skip
DISQUALIFY_REASONS = (
    "Student project, not a buyer.",
    "Fake details: the company does not exist.",
    "Job applicant using the contact form.",
    "Competitor researching our pricing.",
    "Consumer, not a business.",
)
REJECTION_NOTES = {
    "not_icp": ("Twelve employees, far below our segment.", "Public sector body; we do not sell there."),
    "no_budget": ("Budget frozen until the next fiscal year.", "Asked for a free tier only."),
    "no_authority": ("Intern downloading content; no line to the buyer.",),
    "no_need": ("Already built this in-house last year.", "Just curious about the report."),
    "no_timeline": ("Revisit in two quarters; nothing planned before.",),
    "bad_contact_data": ("Phone number disconnected, email bounces.",),
    "duplicate": ("Same person as an open lead; merged the notes there.",),
    "existing_customer": ("Already a customer through their parent company.",),
    "unreachable": ("Six attempts over three weeks, no answer on any channel.",),
    "student_or_job_seeker": ("Looking for a job, not a product.",),
    "other": ("Company under acquisition; all purchases on hold.",),
}
REJECT_REASONS = (
    "not_icp", "not_icp", "no_budget", "no_budget", "no_authority", "no_need", "no_timeline",
    "bad_contact_data", "existing_customer", "unreachable", "student_or_job_seeker", "other",
)  # fmt: skip
RETURN_REASONS = ("unreachable", "unreachable", "no_need", "no_timeline", "no_budget")
LOST_REASONS = ("competitor_won", "competitor_won", "no_budget", "no_timeline", "no_need")
LOST_NOTES = ("Went with the incumbent at a lower price.", "Project cancelled after a reorg.", "")
CONCEDE_NOTES = ("Fair: our form let this one through.", "Agreed, the enrichment data was wrong.", "")
REASSIGN_NOTES = ("Balancing workload.", "Rep out at a conference this week.", "Territory change.")
TOUCH_NOTES = {
    TouchChannel.CALL: ("Intro call, walked through their current setup.", "Tried the direct line.", ""),
    TouchChannel.EMAIL: ("Sent the case study they asked about.", "Follow-up with pricing overview.", ""),
    TouchChannel.MEETING: ("Discovery meeting with the IT lead.", "Demo for the operations team."),
    TouchChannel.SOCIAL: ("Connected on LinkedIn, short message.",),
    TouchChannel.SMS: ("Text to confirm tomorrow's call.",),
    TouchChannel.OTHER: ("Met at the trade show stand.",),
}
TOUCH_OUTCOMES = {
    TouchChannel.CALL: (TouchOutcome.CONNECTED, TouchOutcome.LEFT_MESSAGE, TouchOutcome.NO_ANSWER),
    TouchChannel.EMAIL: (TouchOutcome.REPLIED, TouchOutcome.OTHER, TouchOutcome.REPLIED),
    TouchChannel.MEETING: (TouchOutcome.CONNECTED, TouchOutcome.MEETING_BOOKED),
    TouchChannel.SOCIAL: (TouchOutcome.REPLIED, TouchOutcome.NO_ANSWER),
    TouchChannel.SMS: (TouchOutcome.REPLIED, TouchOutcome.NO_ANSWER),
    TouchChannel.OTHER: (TouchOutcome.CONNECTED,),
}
TOUCH_CHANNELS = (
    TouchChannel.CALL, TouchChannel.CALL, TouchChannel.CALL, TouchChannel.EMAIL, TouchChannel.EMAIL,
    TouchChannel.MEETING, TouchChannel.SOCIAL, TouchChannel.SMS,
)  # fmt: skip


APPEAL_ARGUMENTS = (
    "They downloaded three whitepapers and asked for pricing; budget is approved for Q3.",
    "The contact is the IT director, who signs off purchases of this size.",
    "Their current vendor contract ends next quarter; this is exactly our profile.",
    "The rep rejected within an hour without a single call.",
)
REP_ANSWERS = (
    "I called twice; the director says nothing is planned this year.",
    "The budget mentioned is for a different project entirely.",
    "Their company is far below our segment, whatever the download says.",
    "Fair point on the timing; I judged from the company size alone.",
)
UPHOLD_RATIONALES = (
    "The rep's notes show the budget question was asked and answered: no budget this year.",
    "The company is outside the agreed target market; the rejection stands.",
)
OVERTURN_RATIONALES = (
    "Rejected within the hour with no touch: the rejection was not justified. Work the lead.",
    "The lead meets the agreed definition and the decision maker engaged; sales must follow up.",
)
IGNORED_RETURN_CAUSES = (
    "Contact data was unusable; marketing to enrich before redelivering.",
    "The criteria recorded were not backed by any activity; requalify.",
)
REASSIGN_SHARE = 0.08
DUPLICATE_SHARE = 0.03

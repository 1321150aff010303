"""``python manage.py seed_demo``: a demo organisation with a believable past.

Users for every role, campaigns, segments, and about 300 leads whose stories
span the last 90 days. Every one of those leads is created and moved through
the real services (``leads.services``), so history rows, deadlines, routing
and database constraints are right by construction rather than by imitation.

``--leads N`` asks for N demo leads in all: the first 300 are replayed through
the services as above, the rest are written in bulk (benchmarks need 10^5
leads, and replaying each through the services would take far too long).

Running it again creates nothing twice: users, campaigns and segments are
looked up by their natural keys, and leads by ``external_id`` (``demo-000001``
…), which also makes ``lead_create`` idempotent.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from unittest import mock

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.text import slugify
from faker import Faker

from adjudication import services as court
from leadcourt.accounts import roles
from leadcourt.accounts.models import Department, User
from leadcourt.notifications.services import notifications_muted
from leads import services
from leads.criteria import CODES, criteria_to_mask
from leads.deadlines import (
    WEEKEND,
    WORKDAY_START,
    WORKING_HOURS_PER_DAY,
    add_working_time,
    organisation_tz,
)
from leads.history import lead_event_new
from leads.models import (
    Campaign,
    CampaignStatus,
    Lead,
    LeadEvent,
    LeadState,
    ReasonCode,
    Segment,
    TouchChannel,
    TouchOutcome,
)
from leads.selectors import rulebook_current

DEMO_SEED = 20250601
HISTORY_DAYS = 90
# Leads replayed one by one through the services; beyond this, bulk writes.
SERVICE_DRIVEN_MAX = 300
BULK_BATCH_SIZE = 2000
EXTERNAL_ID_PREFIX = "demo-"
DEMO_URL = "http://127.0.0.1:8000/"


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

# --- the stories ----------------------------------------------------------------


@dataclass(frozen=True)
class Story:
    """How many of the ~300 leads follow a story, and when it starts: the
    day range (days ago) the lead was delivered to sales, or for stories that
    never reach sales, the day it came in."""

    weight: int
    days_ago: tuple[float, float]
    delivered: bool = True


# The ranges leave room for the slowest draw of every step in ``_story`` to
# end before today, so each story reaches its state whatever the weekday the
# command runs on; the horizon in ``_replay`` is only a safety net.
STORIES: dict[str, Story] = {
    "inquiry": Story(30, (0.1, 60), delivered=False),
    "disqualified": Story(20, (7, 88), delivered=False),
    "mql_pending": Story(34, (0.05, 2.5)),  # < 48 working hours ago: the deadline is ahead
    "mql_overdue": Story(6, (12, 20)),  # past the deadline: the decision sweep will flag these
    "sal": Story(40, (7, 18)),
    "sql": Story(20, (30, 60)),
    "won": Story(18, (58, 84)),
    "lost": Story(14, (58, 84)),
    "rejected": Story(24, (5, 8)),  # the appeal window (10 working days) is still open
    "returned_conceded": Story(14, (12, 80)),
    "returned_expired": Story(14, (25, 84)),
    "rejected_after_followup": Story(10, (32, 50)),
    "recycled": Story(12, (50, 84)),
}
# Stories that pass through ``in_review``: they go through
# ``adjudication.services`` (see ``_in_review_story``). Open cases fill the
# judges' queue; decided ones give precedents and the verdict split data.
IN_REVIEW_STORIES: dict[str, Story] = {
    "appeal_open": Story(8, (6, 9)),
    "appeal_upheld": Story(6, (20, 75)),
    "appeal_overturned": Story(6, (20, 75)),
    "ignored_open": Story(4, (11, 16)),
    "ignored_returned": Story(4, (30, 80)),
    "ignored_followed_up": Story(3, (30, 80)),
    "unworked_open": Story(3, (24, 30)),
}
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


@dataclass
class LeadPlan:
    path: str
    seed: int
    created_at: datetime
    delivered_at: datetime | None
    criteria: list[str]
    fields: dict[str, str]
    marketer: User
    campaign: Campaign | None
    segment: Segment | None
    reject_reason: str | None = None
    external_id: str = field(default="")


def _paths_for(count: int, rng: random.Random) -> list[str]:
    """``count`` story names: one of each first (so small runs still show every
    state), the rest in proportion to the weights, shuffled."""
    stories = {**STORIES, **IN_REVIEW_STORIES}
    names = list(stories)[:count]
    rest = count - len(names)
    total = sum(story.weight for story in stories.values())
    for name, story in stories.items():
        names += [name] * (rest * story.weight // total)
    while len(names) < count:
        names.append(rng.choices(list(stories), weights=[story.weight for story in stories.values()])[0])
    rng.shuffle(names)
    return names


@contextmanager
def simulated_clock(at: datetime):
    """Run the body as if it were ``at``.

    This replays the demo's history at simulated times through the real
    services: the services and the models' ``auto_now``/``auto_now_add``
    fields all read ``django.utils.timezone.now``, so patching that one
    function makes every timestamp, deadline and history row of a step what
    it would have been had the step happened at ``at``.
    """
    with mock.patch("django.utils.timezone.now", return_value=at):
        yield


def working_time_after(moment: datetime, hours: float) -> datetime:
    """When a person acting ``hours`` of working time after ``moment`` acts:
    people answer leads during office hours, whatever the rulebook counts."""
    return add_working_time(moment, timedelta(hours=hours))


def office_hours_before(moment: datetime, rng: random.Random) -> datetime:
    """A random moment of office hours (Mon–Fri 09:00–17:00, organisation
    time) on ``moment``'s day or the last working day before it, never after
    ``moment``: when a marketer would have delivered the lead."""
    tz = organisation_tz()
    # One draw whatever the weekday, so the plans after this one do not
    # depend on the day the command runs.
    into_the_day = timedelta(minutes=rng.uniform(0, WORKING_HOURS_PER_DAY * 60 - 1))
    day = moment.astimezone(tz).date()
    while True:
        if day.weekday() not in WEEKEND:
            candidate = datetime.combine(day, WORKDAY_START, tzinfo=tz) + into_the_day
            if candidate <= moment:
                return candidate
        day -= timedelta(days=1)


class Command(BaseCommand):
    help = "Seed demo users, campaigns, segments and leads with a 90-day history (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--leads",
            type=int,
            default=SERVICE_DRIVEN_MAX,
            help=(
                f"Demo leads in all (default {SERVICE_DRIVEN_MAX}). The first {SERVICE_DRIVEN_MAX} "
                "are replayed through the services; the rest are bulk-written (for benchmarks)."
            ),
        )
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Run even with DEBUG off. The demo users get known passwords: never on a real site.",
        )

    def handle(self, *args, leads: int, allow_production: bool, **options):
        if not settings.DEBUG and not allow_production:
            raise CommandError(
                "seed_demo creates users with published passwords; it refuses to run with DEBUG off. "
                "Pass --allow-production if this really is a throwaway installation."
            )
        if leads < 0:
            raise CommandError("--leads must be zero or more.")
        self.now = timezone.now().replace(second=0, microsecond=0)
        self.rulebook = rulebook_current()
        self.users = self._seed_users()
        self.system = roles.system_actor()
        self.reps = [self.users["rep"], self.users["rep2"]]
        self.marketers = [self.users["marketer"], self.users["marketer2"]]
        self.users_by_id = {user.pk: user for user in self.users.values()}
        self.segments = self._seed_segments()
        self.campaigns = self._seed_campaigns()

        # Months of replayed history are not news: nobody gets mail for them.
        with notifications_muted():
            replayed = self._seed_service_driven_leads(min(leads, SERVICE_DRIVEN_MAX))
            bulk = self._seed_bulk_leads(SERVICE_DRIVEN_MAX + 1, leads) if leads > SERVICE_DRIVEN_MAX else 0
        self.stdout.write(f"Leads created: {replayed} through the services, {bulk} in bulk.")
        # The dashboards read precomputed snapshots: fill them for the whole demo history.
        from metrics.jobs import metrics_snapshots

        self.stdout.write(f"Metric snapshots: {metrics_snapshots(full=True)}")
        self._print_summary()

    # --- reference data -----------------------------------------------------------

    def _seed_users(self) -> dict[str, User]:
        users = {}
        for demo in DEMO_USERS:
            user, _ = User.objects.update_or_create(
                username=demo.username,
                defaults={
                    "first_name": demo.first_name,
                    "last_name": demo.last_name,
                    "email": f"{demo.username}@{DEMO_EMAIL_DOMAIN}",
                    "department": demo.department,
                    "is_active": True,
                    "is_staff": demo.superuser,
                    "is_superuser": demo.superuser,
                },
            )
            user.set_password(demo.password)
            user.save(update_fields=["password"])
            user.groups.add(*Group.objects.filter(name__in=demo.roles))
            roles.forget_cached_roles(user)
            users[demo.username] = user
        return users

    def _seed_segments(self) -> list[Segment]:
        segments = []
        for code, name, owner in DEMO_SEGMENTS:
            segment, _ = Segment.objects.get_or_create(
                code=code, defaults={"name": name, "owner_rep": self.users[owner] if owner else None}
            )
            segments.append(segment)
        return segments

    def _seed_campaigns(self) -> list[Campaign]:
        today = timezone.localdate(self.now)
        campaigns = []
        for demo in DEMO_CAMPAIGNS:
            defaults = {
                "source": demo.source,
                "marketer": self.users[demo.marketer],
                "status": demo.status,
                "starts_on": today - timedelta(days=demo.started_days_ago),
                "ends_on": today - timedelta(days=demo.ended_days_ago) if demo.ended_days_ago else None,
            }
            if demo.forecast:
                leads, mqls, revenue, budget = demo.forecast
                defaults.update(
                    forecast_leads=leads,
                    forecast_mqls=mqls,
                    forecast_revenue=Decimal(revenue),
                    budget=Decimal(budget),
                )
            campaign, _ = Campaign.objects.get_or_create(name=demo.name, defaults=defaults)
            campaigns.append(campaign)
        return campaigns

    def _campaign_for(self, created_at: datetime, rng: random.Random) -> Campaign | None:
        """A campaign that was running when the lead came in (never a draft),
        or none: a third of the leads or more come from other sources."""
        day = timezone.localdate(created_at)
        running = [
            campaign
            for campaign in self.campaigns
            if campaign.status != CampaignStatus.DRAFT
            and (campaign.starts_on is None or campaign.starts_on <= day)
            and (campaign.ends_on is None or day <= campaign.ends_on)
        ]
        return rng.choice([*running, None, None])

    # --- service-driven leads -------------------------------------------------------

    def _plan_leads(self, count: int) -> list[LeadPlan]:
        """Every lead's story, drawn from one seeded generator: the same plans on
        every run (relative to today), whichever leads already exist."""
        rng = random.Random(DEMO_SEED)
        fake = Faker("en_GB")
        fake.seed_instance(DEMO_SEED)
        lowest = self.rulebook.mql_min_criteria
        plans: list[LeadPlan] = []
        for path in _paths_for(count, rng):
            story = {**STORIES, **IN_REVIEW_STORIES}[path]
            days_ago = rng.uniform(*story.days_ago)
            if not story.delivered:
                delivered_at = None
                created_at = self.now - timedelta(days=days_ago)
                met = rng.randint(0, lowest - 1) if path == "disqualified" else rng.randint(0, 7)
            else:
                # Delivered during office hours, at most ~2.5 days before the
                # drawn time (a weekend): earlier only, so each story still fits.
                delivered_at = office_hours_before(self.now - timedelta(days=days_ago), rng)
                # Came in up to six days before (at most HISTORY_DAYS ago).
                room = max(0.1, min(6, HISTORY_DAYS - (self.now - delivered_at).total_seconds() / 86400))
                created_at = delivered_at - timedelta(days=rng.uniform(0.05, room))
                met = max(lowest, rng.choices(range(4, 11), weights=[6, 6, 5, 4, 3, 2, 1])[0])
                if path == "recycled":
                    met = min(met, max(lowest, 8))  # room to learn more before it goes back to sales
            campaign = self._campaign_for(created_at, rng)
            marketer = (campaign.marketer if campaign else None) or rng.choice(self.marketers)
            first, last, company = fake.first_name(), fake.last_name(), fake.company()
            fields = {
                "first_name": first,
                "last_name": last,
                "company": company,
                "email": f"{slugify(first)}.{slugify(last)}@{slugify(company)[:40]}.example",
                "phone": fake.phone_number(),
                "title": rng.choice(TITLES),
                "country": rng.choice(COUNTRIES),
                "source": campaign.source if campaign else rng.choice(SOURCES_WITHOUT_CAMPAIGN),
            }
            reject_reason = rng.choice(REJECT_REASONS)
            if plans and rng.random() < DUPLICATE_SHARE:
                # The same person again, typed differently: intake marks the later
                # one as a probable duplicate; the rep often rejects it as such.
                original = rng.choice(plans)
                fields.update(
                    {name: original.fields[name] for name in ("first_name", "last_name", "company")},
                    email=original.fields["email"].title(),
                )
                reject_reason = "duplicate"
            plans.append(
                LeadPlan(
                    path=path,
                    seed=rng.getrandbits(32),
                    created_at=created_at,
                    delivered_at=delivered_at,
                    criteria=rng.sample(CODES, met),
                    fields=fields,
                    marketer=marketer,
                    campaign=campaign,
                    segment=rng.choice([*self.segments, None]),
                    reject_reason=reject_reason,
                )
            )
        # Oldest first, so demo-000001 is the first lead that ever came in.
        plans.sort(key=lambda plan: plan.created_at)
        for number, plan in enumerate(plans, start=1):
            plan.external_id = demo_external_id(number)
        return plans

    def _seed_service_driven_leads(self, count: int) -> int:
        plans = self._plan_leads(count)
        existing = set(
            Lead.objects.filter(external_id__in=[plan.external_id for plan in plans]).values_list(
                "external_id", flat=True
            )
        )
        plans = [plan for plan in plans if plan.external_id not in existing]
        if plans:
            # One transaction for the whole replay: a failed or interrupted run
            # leaves no half-told stories behind, and SQLite commits once.
            with transaction.atomic():
                self._replay(plans)
        return len(plans)

    def _replay(self, plans: list[LeadPlan]) -> None:
        """Run every story's steps in the order they happened, across all leads.

        Each story is a generator that yields the time of its next step; the
        steps of all leads run in one global chronological order, so routing
        ("the rep with the fewest open leads") sees the state of the world as
        it was at that moment. A step that would fall after today is not run:
        that lead's story simply is not over yet.
        """
        horizon = self.now - timedelta(minutes=1)
        queue: list[tuple[datetime, int, Iterator[datetime]]] = []
        for order, plan in enumerate(plans):
            story = self._story(plan)
            heapq.heappush(queue, (next(story), order, story))  # nothing runs before the first yield
        while queue:
            at, order, story = heapq.heappop(queue)
            with simulated_clock(at):
                try:
                    following = next(story)
                except StopIteration:
                    continue
            if following < horizon:
                heapq.heappush(queue, (max(following, at), order, story))
            else:
                story.close()

    def _rep(self, lead: Lead) -> User:
        return self.users_by_id.get(lead.assigned_rep_id) or lead.assigned_rep

    def _story(self, plan: LeadPlan) -> Iterator[datetime]:
        """One lead's life. Each ``yield`` hands back the time of the next step."""
        rng = random.Random(plan.seed)
        marketer = plan.marketer
        yield plan.created_at
        lead, _ = services.lead_create(
            actor=marketer,
            external_id=plan.external_id,
            criteria=plan.criteria,
            campaign=plan.campaign,
            segment=plan.segment,
            marketer=marketer,
            **plan.fields,
        )
        if plan.path == "inquiry":
            return
        if plan.path == "disqualified":
            yield working_time_after(plan.created_at, rng.uniform(1, 30))
            services.lead_disqualify(lead=lead, actor=marketer, reason=rng.choice(DISQUALIFY_REASONS))
            return

        t = plan.delivered_at
        yield t
        lead = services.lead_qualify(lead=lead, actor=marketer)
        if plan.path != "mql_overdue" and rng.random() < REASSIGN_SHARE:
            t = working_time_after(t, rng.uniform(0.5, 6))
            yield t
            lead = self._reassign(lead, rng)
        if plan.path in IN_REVIEW_STORIES:
            yield from self._in_review_story(lead, plan, rng, t)
            return
        if plan.path in ("mql_pending", "mql_overdue"):
            if rng.random() < 0.3:  # a first call before deciding
                yield working_time_after(t, rng.uniform(0.2, 4))
                self._touch(lead, rng, channel=TouchChannel.CALL)
            return

        if plan.path in ("rejected", "returned_conceded", "returned_expired", "recycled"):
            # Recent rejections are decided within a working day and a half, so
            # that the "rejected" story's window above still ends before today.
            t = working_time_after(t, rng.uniform(0.3, 12 if plan.path == "rejected" else 20))
            yield t
            reason = "bad_contact_data" if plan.path == "recycled" else plan.reject_reason
            lead = services.lead_reject(
                lead=lead, actor=self._rep(lead), reason=reason, note=rng.choice(REJECTION_NOTES[reason])
            )
            lead, t = yield from self._after_rejection(
                lead, rng, t, concede=plan.path in ("returned_conceded", "recycled")
            )
            if plan.path != "recycled" or lead.state != LeadState.RETURNED:
                return
            # Marketing fixes the contact data, learns a little more, delivers again.
            t = working_time_after(t, rng.uniform(8, 80))
            yield t
            unmet = [code for code in CODES if code not in plan.criteria]
            extra = rng.sample(unmet, min(len(unmet), rng.randint(1, 2)))
            lead = services.lead_recycle(lead=lead, actor=marketer, criteria=[*plan.criteria, *extra])

        # Sales accepts and works the lead.
        t = working_time_after(t, rng.uniform(0.5, 30))
        yield t
        lead = services.lead_accept(lead=lead, actor=self._rep(lead))
        grade = self.rulebook.grade_for(len(lead.criteria))
        touches = {
            "sal": rng.randint(0, 5),
            "sql": rng.randint(2, 5),
            "won": rng.randint(3, 7),
            "lost": rng.randint(3, 6),
            "rejected_after_followup": self.rulebook.touches_required(grade) + rng.randint(0, 2),
            "recycled": rng.randint(1, 4),
        }[plan.path]
        t = yield from self._touches(lead, rng, t, touches)
        if plan.path == "sal" or (plan.path == "recycled" and rng.random() < 0.6):
            return
        if plan.path == "rejected_after_followup":
            t = working_time_after(t, rng.uniform(1, 16))
            yield t
            reason = rng.choice(RETURN_REASONS)
            lead = services.lead_return_after_followup(
                lead=lead, actor=self._rep(lead), reason=reason, note=rng.choice(REJECTION_NOTES[reason])
            )
            yield from self._after_rejection(lead, rng, t, concede=False)
            return

        t = working_time_after(t, rng.uniform(2, 40))
        yield t
        lead = services.lead_qualify_opportunity(lead=lead, actor=self._rep(lead))
        if plan.path in ("sql", "recycled"):
            return
        t = yield from self._touches(lead, rng, t, rng.randint(1, 3), channels=(TouchChannel.MEETING,))
        yield working_time_after(t, rng.uniform(8, 80))
        if plan.path == "won":
            amount = Decimal(rng.randrange(40, 1500) * 100)
            services.lead_close_won(lead=lead, actor=self._rep(lead), amount=amount)
        else:
            reason = rng.choice(LOST_REASONS)
            services.lead_close_lost(
                lead=lead, actor=self._rep(lead), reason=reason, note=rng.choice(LOST_NOTES)
            )

    def _after_rejection(self, lead: Lead, rng: random.Random, t: datetime, *, concede: bool):
        """Marketing concedes within the window, or the appeal-expiry job returns
        the lead once the window has closed (the job runs hourly)."""
        if lead.state != LeadState.REJECTED:
            # Review mode ``all_rejections``: the rejection went straight to the judges.
            return lead, t
        if concede:
            t = working_time_after(t, rng.uniform(1, 30))
            yield t
            marketer = self.users_by_id.get(lead.marketer_id) or lead.marketer
            lead = services.lead_concede(lead=lead, actor=marketer, note=rng.choice(CONCEDE_NOTES))
        else:
            t = lead.appeal_due_at + timedelta(minutes=rng.uniform(1, 59))
            yield t
            lead = services.lead_expire_appeal(lead=lead, actor=self.system)
        return lead, t

    def _touches(self, lead: Lead, rng: random.Random, t: datetime, count: int, channels=TOUCH_CHANNELS):
        for _ in range(count):
            t = working_time_after(t, rng.uniform(2, 16))
            yield t
            self._touch(lead, rng, channel=rng.choice(channels))
        return t

    def _touch(self, lead: Lead, rng: random.Random, *, channel: str) -> None:
        services.lead_touch_log(
            lead=lead,
            actor=self._rep(lead),
            channel=channel,
            outcome=rng.choice(TOUCH_OUTCOMES[channel]),
            note=rng.choice(TOUCH_NOTES[channel]),
        )

    def _reassign(self, lead: Lead, rng: random.Random) -> Lead:
        others = [rep for rep in self.reps if rep.pk != lead.assigned_rep_id]
        if not others:
            return lead
        return services.lead_reassign(
            lead=lead, actor=self.users["manager"], rep=rng.choice(others), note=rng.choice(REASSIGN_NOTES)
        )

    def _in_review_story(self, lead: Lead, plan: LeadPlan, rng: random.Random, t: datetime):
        """Stories through the judicial branch (``IN_REVIEW_STORIES``): an
        appeal by the owning marketer answered by the rep, an MQL flagged as
        ignored, a SAL flagged as not followed up; some still open, some
        decided by the judge."""
        judge = self.users["judge"]
        if plan.path.startswith("appeal_"):
            t = working_time_after(t, rng.uniform(0.3, 10))
            yield t
            reason = plan.reject_reason
            lead = services.lead_reject(
                lead=lead, actor=self._rep(lead), reason=reason, note=rng.choice(REJECTION_NOTES[reason])
            )
            if lead.state != LeadState.REJECTED:  # all_rejections: already before the judges
                return
            t = working_time_after(t, rng.uniform(1, 16))
            yield t
            marketer = self.users_by_id.get(lead.marketer_id) or lead.marketer
            case = court.case_open_appeal(lead=lead, actor=marketer, argument=rng.choice(APPEAL_ARGUMENTS))
            t = working_time_after(t, rng.uniform(1, 12))
            yield t
            court.case_statement_add(case=case, actor=self._rep(lead), text=rng.choice(REP_ANSWERS))
            if plan.path == "appeal_open":
                return
            yield working_time_after(t, rng.uniform(4, 36))
            if plan.path == "appeal_upheld":
                court.case_verdict_render(
                    case=case, actor=judge, decision="uphold", finding=rng.choice(("marketing", "none")),
                    rationale=rng.choice(UPHOLD_RATIONALES),
                )  # fmt: skip
            else:
                court.case_verdict_render(
                    case=case, actor=judge, decision="overturn", finding="sales",
                    rationale=rng.choice(OVERTURN_RATIONALES),
                )  # fmt: skip
                t = yield from self._touches(lead, rng, t, rng.randint(1, 4))
            return

        if plan.path.startswith("ignored_"):
            # The decision sweep runs every five minutes.
            t = lead.decision_due_at + timedelta(minutes=rng.uniform(1, 5))
            yield t
            case = court.case_open_ignored(lead=lead, actor=self.system)
            if plan.path == "ignored_open":
                return
            t = working_time_after(t, rng.uniform(4, 36))
            yield t
            if plan.path == "ignored_returned":
                court.case_verdict_render(
                    case=case, actor=judge, decision="return", finding=rng.choice(("marketing", "criteria")),
                    rationale="Nobody could have acted on this lead as delivered.",
                    cause=rng.choice(IGNORED_RETURN_CAUSES),
                )  # fmt: skip
            else:
                court.case_verdict_render(
                    case=case, actor=judge, decision="follow_up", finding="sales",
                    rationale="A qualified lead sat untouched for the whole decision window.",
                )  # fmt: skip
                yield from self._touches(lead, rng, t, rng.randint(1, 3))
            return

        # unworked_open: accepted, barely worked, flagged by the follow-up sweep.
        t = working_time_after(t, rng.uniform(0.5, 8))
        yield t
        lead = services.lead_accept(lead=lead, actor=self._rep(lead))
        yield from self._touches(lead, rng, t, rng.randint(0, 1))
        yield lead.followup_due_at + timedelta(minutes=rng.uniform(1, 59))  # the hourly sweep
        court.case_open_not_followed_up(lead=lead, actor=self.system)

    # --- bulk leads (benchmarks) ---------------------------------------------------

    def _seed_bulk_leads(self, first: int, last: int) -> int:
        """Leads ``first``..``last`` written with ``bulk_create``, with history.

        A simple mix whose rows mirror what the services would have written:
        inquiries, disqualified inquiries, leads accepted and qualified as
        opportunities, and rejected leads (returned once their appeal window
        closed). Delivered ones are at least 30 days old so each story fits
        before today. ``tests/leads/test_seed_demo.py`` checks that every
        lead's history chains up to its state.
        """
        rng = random.Random(DEMO_SEED + 1)
        fake = Faker("en_GB")
        fake.seed_instance(DEMO_SEED + 1)
        # Small pools drawn once: Faker per row would dominate the run time.
        first_names = [fake.first_name() for _ in range(400)]
        last_names = [fake.last_name() for _ in range(400)]
        companies = [fake.company() for _ in range(600)]
        existing = set(
            Lead.objects.filter(external_id__startswith=EXTERNAL_ID_PREFIX).values_list(
                "external_id", flat=True
            )
        )
        missing = [number for number in range(first, last + 1) if demo_external_id(number) not in existing]
        if not missing:
            return 0
        reasons = {reason.pk: reason for reason in ReasonCode.objects.filter(pk__in=REJECT_REASONS)}
        created = 0
        batch: list[tuple[Lead, list[LeadEvent]]] = []
        for number in range(first, missing[-1] + 1):
            # Draw the row even when it exists, so the numbers stay reproducible.
            lead, events = self._bulk_lead(number, rng, first_names, last_names, companies, reasons)
            if lead.external_id in existing:
                continue
            batch.append((lead, events))
            if len(batch) >= BULK_BATCH_SIZE:
                created += self._bulk_write(batch)
                batch = []
        if batch:
            created += self._bulk_write(batch)
        return created

    def _bulk_lead(self, number, rng, first_names, last_names, companies, reasons):
        """One bulk lead and its history rows: the model's own transitions set
        its fields; only the saving (in bulk) and the routing differ from the services."""
        rb = self.rulebook
        first, last, company = rng.choice(first_names), rng.choice(last_names), rng.choice(companies)
        segment = rng.choice([*self.segments, None])
        kind = rng.choices(("inquiry", "disqualified", "sql", "rejected"), weights=(45, 10, 25, 20))[0]
        if kind == "inquiry":
            created_at = self.now - timedelta(days=rng.uniform(0.5, HISTORY_DAYS))
            met = rng.randint(0, 7)
        elif kind == "disqualified":
            # A week back at least: the disqualification (≤ 30 working hours later) is past too.
            created_at = self.now - timedelta(days=rng.uniform(7, HISTORY_DAYS))
            met = rng.randint(0, rb.mql_min_criteria - 1)
        else:
            # Old enough that the whole story (at most ~3 weeks) ends before today.
            created_at = self.now - timedelta(days=rng.uniform(30, HISTORY_DAYS))
            met = rng.randint(rb.mql_min_criteria, 10)
        campaign = self._campaign_for(created_at, rng)
        marketer = (campaign.marketer if campaign else None) or rng.choice(self.marketers)
        values = {
            "external_id": demo_external_id(number),
            "first_name": first,
            "last_name": last,
            "company": company,
            "email": f"{slugify(first)}.{slugify(last)}.{number}@{slugify(company)[:40]}.example",
            "title": rng.choice(TITLES),
            "country": rng.choice(COUNTRIES),
            "source": campaign.source if campaign else rng.choice(SOURCES_WITHOUT_CAMPAIGN),
            "campaign": campaign,
            "segment": segment,
            "marketer": marketer,
            "criteria_mask": criteria_to_mask(rng.sample(CODES, met)),
            "created_at": created_at,
        }
        lead = Lead(**values)
        events = [
            lead_event_new(
                lead=lead,
                transition="create",
                from_state=LeadState.INQUIRY,
                actor=marketer,
                occurred_at=created_at,
                rulebook=rb,
            )
        ]

        def step(transition: str, actor: User, at: datetime, event: dict | None = None, **arguments) -> None:
            """Run the model's transition (it sets the fields, as in the
            service) and write the history row the service would write."""
            from_state = lead.state
            getattr(lead, transition)(at=at, **arguments)
            events.append(
                lead_event_new(
                    lead=lead,
                    transition=transition,
                    from_state=from_state,
                    actor=actor,
                    occurred_at=at,
                    rulebook=rb,
                    **(event or {}),
                )
            )

        if kind == "disqualified":
            at = working_time_after(created_at, rng.uniform(1, 30))
            reason = rng.choice(DISQUALIFY_REASONS)
            step("disqualify", marketer, at, {"note": reason}, reason=reason)
        elif kind in ("sql", "rejected"):
            # Routed as the router would: the segment's owner, else one of the reps.
            rep = segment.owner_rep if segment and segment.owner_rep else rng.choice(self.reps)
            delivered = created_at + timedelta(hours=rng.uniform(1, 72))
            step(
                "qualify",
                marketer,
                delivered,
                {"data": {"rep": rep.pk, "criteria_met": met}},
                rep=rep,
                decision_due_at=rb.decision_due(delivered),
            )
            # Decided within the decision deadline (and within six working days).
            decided = working_time_after(delivered, rng.uniform(0.1, 0.95) * min(rb.decision_hours, 48))
            if kind == "sql":
                step("accept", rep, decided, followup_due_at=rb.followup_due(decided))
                step("qualify_opportunity", rep, working_time_after(decided, rng.uniform(8, 60)))
            else:
                reason = reasons[rng.choice(REJECT_REASONS)]
                note = rng.choice(REJECTION_NOTES[reason.pk])
                step(
                    "reject",
                    rep,
                    decided,
                    {"reason": reason, "note": note},
                    reason=reason,
                    note=note,
                    appeal_due_at=rb.appeal_due(decided),
                )
                expired = lead.appeal_due_at + timedelta(minutes=rng.uniform(1, 59))
                if expired < self.now:  # the hourly appeal-expiry job has run since
                    step("expire_appeal", self.system, expired)
        lead.updated_at = events[-1].occurred_at
        return lead, events

    def _bulk_write(self, batch: list[tuple[Lead, list[LeadEvent]]]) -> int:
        leads = [lead for lead, _ in batch]
        created_at = Lead._meta.get_field("created_at")
        updated_at = Lead._meta.get_field("updated_at")
        # auto_now(_add) would stamp every row with the time of the run; these
        # rows carry their simulated times, so switch the stamping off while
        # writing them.
        with (
            transaction.atomic(),
            mock.patch.object(created_at, "auto_now_add", False),
            mock.patch.object(updated_at, "auto_now", False),
        ):
            Lead.objects.bulk_create(leads, batch_size=BULK_BATCH_SIZE)
            if any(lead.pk is None for lead in leads):  # backends that cannot return ids
                ids = dict(
                    Lead.objects.filter(external_id__in=[lead.external_id for lead in leads]).values_list(
                        "external_id", "pk"
                    )
                )
                for lead in leads:
                    lead.pk = ids[lead.external_id]
            events = []
            for lead, lead_events in batch:
                for event in lead_events:
                    event.lead = lead
                    events.append(event)
            LeadEvent.objects.bulk_create(events, batch_size=BULK_BATCH_SIZE)
        self.stdout.write(f"  bulk: {leads[-1].external_id} written")
        return len(leads)

    # --- output -------------------------------------------------------------------------

    def _print_summary(self) -> None:
        counts = dict(Lead.objects.values_list("state").annotate(n=Count("pk")).order_by())
        self.stdout.write("")
        self.stdout.write("Leads by state:")
        for state in LeadState:
            self.stdout.write(f"  {state.label:<14}{counts.get(state.value, 0):>8}")
        self.stdout.write(f"  {'total':<14}{sum(counts.values()):>8}")
        self.stdout.write("")
        self.stdout.write(f"Demo users (open {DEMO_URL}):")
        self.stdout.write(f"  {'username':<12}{'role':<14}password")
        for demo in DEMO_USERS:
            self.stdout.write(f"  {demo.username:<12}{demo.role_label:<14}{demo.password}")
        self.stdout.write(self.style.SUCCESS("Demo data ready."))

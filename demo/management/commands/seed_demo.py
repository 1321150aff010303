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

import random
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count
from django.utils import timezone
from django.utils.text import slugify
from faker import Faker

from adjudication.models import Case, Vote
from demo.bulk import BulkWriter
from demo.data import (
    COUNTRIES,
    DEMO_CAMPAIGNS,
    DEMO_EMAIL_DOMAIN,
    DEMO_SEED,
    DEMO_SEGMENTS,
    DEMO_USERS,
    DUPLICATE_SHARE,
    HISTORY_DAYS,
    REJECT_REASONS,
    SERVICE_DRIVEN_MAX,
    SOURCES_WITHOUT_CAMPAIGN,
    TITLES,
    demo_external_id,
    demo_url,
)
from demo.story import (
    IN_REVIEW_STORIES,
    STORIES,
    LeadPlan,
    StoryPlayer,
    _paths_for,
    office_hours_before,
)
from leadcourt import clock
from leadcourt.accounts import roles
from leadcourt.accounts.models import User
from leadcourt.notifications.services import notifications_muted
from leadcourt.planner_statistics import tables_analyze
from leads.criteria import CODES
from leads.models import (
    Campaign,
    CampaignStatus,
    Lead,
    LeadEvent,
    LeadState,
    Segment,
    Touch,
)
from leads.selectors import rulebook_current

# The tables the seed fills in volume that the metric snapshots read.
SEEDED_MODELS = (Lead, LeadEvent, Touch, Case, Vote)


class Command(StoryPlayer, BulkWriter, BaseCommand):
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
        self.now = clock.now().replace(second=0, microsecond=0)
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
        if replayed or bulk:
            # The snapshots below aggregate over what was just written: plan
            # them for the tables as they are now, not as they were (empty).
            analyzed = tables_analyze(*SEEDED_MODELS)
            if analyzed:
                self.stdout.write(f"Planner statistics refreshed: {', '.join(analyzed)}.")
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

    def _print_summary(self) -> None:
        counts = dict(Lead.objects.values_list("state").annotate(n=Count("pk")).order_by())
        self.stdout.write("")
        self.stdout.write("Leads by state:")
        for state in LeadState:
            self.stdout.write(f"  {state.label:<14}{counts.get(state.value, 0):>8}")
        self.stdout.write(f"  {'total':<14}{sum(counts.values()):>8}")
        self.stdout.write("")
        self.stdout.write(f"Demo users (open {demo_url()}):")
        self.stdout.write(f"  {'username':<12}{'role':<14}password")
        for demo in DEMO_USERS:
            self.stdout.write(f"  {demo.username:<12}{demo.role_label:<14}{demo.password}")
        self.stdout.write(self.style.SUCCESS("Demo data ready."))

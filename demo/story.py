"""The stories the demo plays: how each demo lead moves from inquiry to its
end state, replayed step by step through the real services at simulated
times (``leadcourt.clock.clock_frozen_at``), so history rows, deadlines,
routing and constraints are right by construction. ``StoryPlayer`` is mixed
into the command; it plays the first ``SERVICE_DRIVEN_MAX`` leads."""

from __future__ import annotations

import heapq
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction

from adjudication import services as court

# --- the stories ----------------------------------------------------------------
from demo.data import (
    APPEAL_ARGUMENTS,
    CONCEDE_NOTES,
    DISQUALIFY_REASONS,
    IGNORED_RETURN_CAUSES,
    LOST_NOTES,
    LOST_REASONS,
    OVERTURN_RATIONALES,
    REASSIGN_NOTES,
    REASSIGN_SHARE,
    REJECTION_NOTES,
    REP_ANSWERS,
    RETURN_REASONS,
    TOUCH_CHANNELS,
    TOUCH_NOTES,
    TOUCH_OUTCOMES,
    UPHOLD_RATIONALES,
)
from leadcourt.accounts.models import User
from leadcourt.clock import clock_frozen_at
from leads import services
from leads.criteria import CODES
from leads.deadlines import (
    WEEKEND,
    WORKDAY_START,
    WORKING_HOURS_PER_DAY,
    add_working_time,
    organisation_tz,
)
from leads.models import (
    Campaign,
    Lead,
    LeadState,
    Segment,
    TouchChannel,
)


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


class StoryPlayer:
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
            with clock_frozen_at(at):
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
            lead = court.lead_concede(lead=lead, actor=marketer, note=rng.choice(CONCEDE_NOTES))
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

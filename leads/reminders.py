"""Reminders before a lead's deadlines, and the accepted leads still short of
touches: the lead's side of the sweeps that the court runs
(``adjudication.sweeps``), set-based, claimed in locked batches."""

from __future__ import annotations

from django.db.models import Case as SQLCase
from django.db.models import Count, F, IntegerField, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.db.models.lookups import IsNull

from leadcourt.jobs.batches import for_each_locked_batch
from leadcourt.notifications.services import notifications_delivered_together
from leads import notify
from leads.deadlines import deadline_after_hours
from leads.models import Lead, RulebookVersion, Touch

# Reps are reminded once a deadline is less than one working day away (or 8
# plain hours when the rulebook does not count business hours): enough to
# act on it the same day, late enough not to nag about fresh leads.
REMINDER_HOURS = 8


def reminder_horizon(now, rulebook: RulebookVersion):
    return deadline_after_hours(now, REMINDER_HOURS, business_hours_only=rulebook.business_hours_only)


def leads_lacking_touches(queryset, rulebook: RulebookVersion):
    """Accepted leads with fewer follow-up touches (since the current round
    began) than the rulebook requires for their grade, computed in SQL.

    Exactly the rule of ``case_open_not_followed_up`` (touches counted as
    ``lead_followup_touch_count`` counts them: all of them for a lead without
    a round start), because the set-based form of that service uses this as
    its guard, not only to find candidates."""
    in_round = Q(occurred_at__gte=OuterRef("followup_started_at")) | Q(
        IsNull(OuterRef("followup_started_at"), True)
    )
    done = Coalesce(
        Subquery(
            Touch.objects.filter(in_round, lead=OuterRef("pk"))
            .order_by()
            .values("lead")
            .annotate(n=Count("pk"))
            .values("n")[:1],
            output_field=IntegerField(),
        ),
        0,
    )
    required = SQLCase(
        When(criteria_count__gte=rulebook.grade_a_min_criteria, then=Value(rulebook.touches_grade_a)),
        default=Value(rulebook.touches_grade_b),
        output_field=IntegerField(),
    )
    return queryset.alias(done=done, required=required).filter(done__lt=F("required"))


def deadline_reminders_queue(*, kind: str, queryset, due_field: str) -> int:
    """Record one reminder per lead and deadline for the leads of ``queryset``."""
    reminded = 0

    def remind(ids: list[int]) -> None:
        nonlocal reminded
        rows = Lead.objects.filter(pk__in=ids, assigned_rep__isnull=False).values_list(
            "pk", "assigned_rep_id", due_field
        )
        # One delivery task for the batch's reminders.
        with notifications_delivered_together():
            reminded += notify.deadline_reminders(kind=kind, leads=rows)

    for_each_locked_batch(queryset, remind)
    return reminded

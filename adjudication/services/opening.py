"""Opening cases: a lead goes before the judges, and its case records what
they will see. Opening a case and moving its lead to ``in_review`` is one
transaction: a failure anywhere leaves neither.

The sweeps open thousands of cases a run, so the two kinds they open also
have a set-based form here, next to the per-lead services (STYLE.md habit
15): ``cases_open_ignored`` and ``cases_open_not_followed_up``. Both forms
are built from the same pieces, so that they cannot drift apart: the model's
transition (what it writes on the lead), the guard in SQL
(``leads_overdue_for_decision`` / ``leads_overdue_for_followup``, also the
sweeps' candidate queries), the snapshot, the case row, the history row's
payload and the judges' notifications. tests/adjudication/test_opening_in_bulk.py
proves that they write the same rows.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from datetime import date, datetime

from django.db import IntegrityError, connections, router, transaction
from django.db.models import Count, Exists, OuterRef, QuerySet, prefetch_related_objects
from django.db.models.sql import UpdateQuery

from adjudication import notify
from adjudication.models import Case, CaseKind, CaseStatus
from adjudication.selectors import case_party_ids
from leadcourt import clock
from leadcourt.accounts import roles
from leadcourt.bulk_insert import bulk_insert
from leadcourt.errors import Conflict, GuardFailed
from leadcourt.notifications.services import notifications_delivered_together
from leads.history import lead_event_new
from leads.models import Lead, LeadEvent, LeadState, ReviewMode, RulebookVersion, Touch
from leads.reminders import leads_lacking_touches
from leads.selectors import lead_followup_touch_count, rulebook_current
from leads.services import TransitionStep, lead_ensure_may, lead_transition

# --- what both forms write --------------------------------------------------------


def case_snapshot(lead: Lead, rulebook: RulebookVersion, from_state: str) -> dict:
    """What the judges will see as it stood when the case opened."""
    touches = lead.touches.all()
    if lead.delivered_at is not None:
        touches = touches.filter(occurred_at__gte=lead.delivered_at)
    by_channel = dict(
        touches.order_by().values_list("channel").annotate(n=Count("id")).values_list("channel", "n")
    )
    return _snapshot(
        lead,
        rulebook,
        from_state,
        by_channel=by_channel,
        followup_round=lead_followup_touch_count(lead=lead),
    )


def _snapshot(
    lead: Lead, rulebook: RulebookVersion, from_state: str, *, by_channel: dict[str, int], followup_round: int
) -> dict:
    """The snapshot, given the lead's touches since delivery by channel and
    its touches in the current follow-up round."""
    grade = rulebook.grade_for(lead.criteria_count)
    return {
        "state_before": from_state,
        "reason": lead.rejection_reason_id or "",
        "reason_label": lead.rejection_reason.label if lead.rejection_reason_id else "",
        "note": lead.rejection_note,
        "rejected_at": lead.rejected_at.isoformat() if lead.rejected_at else None,
        "delivered_at": lead.delivered_at.isoformat() if lead.delivered_at else None,
        "criteria": lead.criteria,
        "grade": grade,
        "touches": {
            "count": sum(by_channel.values()),
            "by_channel": by_channel,
            "channels": len(by_channel),
            "followup_round": followup_round,
            "required": rulebook.touches_required(grade),
        },
    }


def _case_fields(
    lead: Lead,
    *,
    kind: str,
    actor,
    opened_at: datetime,
    due_at: datetime,
    snapshot: dict,
    sample_month: date | None = None,
) -> dict:
    """The case row's fields (``Case(**fields)``), with the parties as they
    are now. ``due_at`` is ``rulebook.review_due(opened_at)``, computed by the
    caller: once for a whole batch (working time is counted in Python, day by
    day)."""
    return {
        "kind": kind,
        "lead": lead,
        "rep_id": lead.assigned_rep_id,
        "marketer_id": lead.marketer_id,
        "opened_by": actor,
        "opened_at": opened_at,
        "due_at": due_at,
        "snapshot": snapshot,
        "reason_code": lead.rejection_reason_id or "",
        "sample_month": sample_month,
    }


def _opening_event_data(case: Case) -> dict:
    """What the history row of the opening says about the case."""
    return {"case": case.pk, "kind": case.kind}


# --- opening one case ---------------------------------------------------------------


def case_open(step: TransitionStep, *, kind: str, sample_month: date | None = None) -> Case:
    """Create the case for a lead that ``step`` has just moved into review,
    and record the transition. Runs inside the step's transaction."""
    lead = step.lead
    try:
        with transaction.atomic():
            case = Case(
                **_case_fields(
                    lead,
                    kind=kind,
                    actor=step.actor,
                    opened_at=step.now,
                    due_at=step.rulebook.review_due(step.now),
                    snapshot=case_snapshot(lead, step.rulebook, step.from_state),
                    sample_month=sample_month,
                )
            )
            case.save()
    except IntegrityError as exc:
        # The one-open-case constraint (or one sample audit per month) held
        # even though the state check passed: someone else opened it first.
        raise Conflict("This lead already has an open case.", code="case_already_open") from exc
    step.record(data=_opening_event_data(case))
    notify.case_opened(case=case, rulebook=step.rulebook, party_ids=case_party_ids(case, lead))
    return case


def case_open_ignored(*, lead: Lead, actor) -> Case:
    """mql → in_review (system): the decision deadline passed with no decision."""
    with lead_transition(lead=lead, actor=actor, name="flag_ignored") as step:
        due = step.lead.decision_due_at
        if due is None or step.now < due:
            raise GuardFailed("The decision deadline has not passed yet.", code="deadline_not_passed")
        step.lead.flag_ignored(at=step.now)
        case = case_open(step, kind=CaseKind.IGNORED)
    return case


def case_open_not_followed_up(*, lead: Lead, actor) -> Case:
    """sal → in_review (system): the follow-up deadline passed with fewer
    touches than the rulebook requires for the lead's grade."""
    with lead_transition(lead=lead, actor=actor, name="flag_unworked") as step:
        due = step.lead.followup_due_at
        if due is None or step.now < due:
            raise GuardFailed("The follow-up deadline has not passed yet.", code="deadline_not_passed")
        grade = step.rulebook.grade_for(step.lead.criteria_count)
        required = step.rulebook.touches_required(grade)
        done = lead_followup_touch_count(lead=step.lead)
        if done >= required:
            raise GuardFailed(f"The lead was followed up: {done} of {required} touches.", code="followed_up")
        step.lead.flag_unworked(at=step.now)
        case = case_open(step, kind=CaseKind.NOT_FOLLOWED_UP)
    return case


def case_open_audit(*, lead: Lead, actor, sample_month: date | None = None) -> Case:
    """rejected (or returned, for the monthly sample) → in_review (system)."""
    with lead_transition(lead=lead, actor=actor, name="audit_sample") as step:
        step.lead.audit_sample(at=step.now)
        case = case_open(step, kind=CaseKind.AUDIT, sample_month=sample_month)
    return case


def case_open_audit_after_reject(step: TransitionStep) -> Case | None:
    """Review mode ``all_rejections``: every rejection goes before the judges
    at once, in the same transaction and under the same lock as the rejection
    itself (registered with ``leads.hooks`` by ``AdjudicationConfig.ready``).
    In the other modes a rejection waits for marketing's appeal, or the
    monthly sample."""
    if step.rulebook.review_mode != ReviewMode.ALL_REJECTIONS:
        return None
    audit = TransitionStep(
        lead=step.lead,
        actor=roles.system_actor(),
        name="audit_sample",
        rulebook=step.rulebook,
        now=step.now,
        from_state=step.lead.state,
    )
    step.lead.audit_sample(at=step.now)
    return case_open(audit, kind=CaseKind.AUDIT)


# --- opening many cases at once (the sweeps) -----------------------------------------


def leads_overdue_for_decision(now: datetime) -> QuerySet[Lead]:
    """MQLs past their decision deadline: the leads ``case_open_ignored``
    accepts, in SQL (served by ``lead_mql_decision_due_idx``)."""
    return Lead.objects.filter(state=LeadState.MQL, decision_due_at__lte=now)


def leads_overdue_for_followup(now: datetime, rulebook: RulebookVersion) -> QuerySet[Lead]:
    """Accepted leads past their follow-up deadline with fewer touches than
    their grade requires: the leads ``case_open_not_followed_up`` accepts, in
    SQL (served by ``lead_sal_followup_due_idx``)."""
    return leads_lacking_touches(Lead.objects.filter(state=LeadState.SAL, followup_due_at__lte=now), rulebook)


def cases_open_ignored(*, lead_ids: Iterable[int], actor) -> list[Case]:
    """``case_open_ignored`` for many leads at once (the decision sweep): each
    lead of ``lead_ids`` still past its decision deadline goes to
    ``in_review`` with an ``ignored`` case; the others are left alone.
    Returns the cases opened, in lead order. See ``_cases_open_in_bulk``."""
    return _cases_open_in_bulk(
        lead_ids=lead_ids,
        actor=actor,
        transition="flag_ignored",
        from_state=LeadState.MQL,
        kind=CaseKind.IGNORED,
        still_due=lambda now, rulebook: leads_overdue_for_decision(now),
    )


def cases_open_not_followed_up(*, lead_ids: Iterable[int], actor) -> list[Case]:
    """``case_open_not_followed_up`` for many leads at once (the follow-up
    sweep): each lead of ``lead_ids`` still past its follow-up deadline and
    short of touches gets a ``not_followed_up`` case; the others are left
    alone. Returns the cases opened, in lead order."""
    return _cases_open_in_bulk(
        lead_ids=lead_ids,
        actor=actor,
        transition="flag_unworked",
        from_state=LeadState.SAL,
        kind=CaseKind.NOT_FOLLOWED_UP,
        still_due=leads_overdue_for_followup,
    )


def _cases_open_in_bulk(
    *,
    lead_ids: Iterable[int],
    actor,
    transition: str,
    from_state: str,
    kind: str,
    still_due: Callable[[datetime, RulebookVersion], QuerySet[Lead]],
) -> list[Case]:
    """Move the leads of ``lead_ids`` that ``still_due`` accepts into review
    and open one case each: the per-lead service's writes for every such
    lead, in one transaction and a handful of statements (the leads'
    ``UPDATE … RETURNING``, their touches, the cases', history rows' and
    notifications' ``INSERT … SELECT``s, one delivery task after commit),
    whatever their number.

    Python computes what only the rules know (each snapshot, the case row
    from ``_case_fields``, the history row from ``lead_event_new``, the
    judges' rule), as plain values: the rows travel as one JSON parameter a
    statement (``leadcourt.bulk_insert``, ``notifications_queue_to_every``),
    and no model instance is built per row but the lead (for its snapshot)
    and the returned case (from the values just inserted, without a query).

    The ``UPDATE`` is the lock and the compare-and-set: it locks each lead it
    moves, and only moves a lead that is still in ``from_state``, still
    overdue and without an open case. A lead another transaction holds is
    waited for, then (PostgreSQL re-checks the condition on the committed
    row) left alone if that transaction decided it: exactly one outcome, and
    no case for a lead that was accepted a moment ago. Nothing else is
    locked; the cases are new rows. Callers that claimed the leads with
    ``FOR UPDATE SKIP LOCKED`` (the sweeps) already hold the locks.
    """
    lead_ids = list(lead_ids)
    if not lead_ids:
        return []
    with transaction.atomic(), notifications_delivered_together():
        now = clock.now()
        rulebook = rulebook_current()
        # The actor's permission for the transition, as the per-lead form checks it (403).
        lead_ensure_may(lead=Lead(state=from_state), actor=actor, name=transition)
        leads = _update_returning_rows(
            still_due(now, rulebook)
            .filter(pk__in=lead_ids)
            # Where the per-lead form would refuse with "case_already_open"
            # rather than fail the whole batch on the constraint.
            .filter(~Exists(Case.objects.filter(lead=OuterRef("pk"), status=CaseStatus.OPEN))),
            **_transition_writes(transition, from_state, at=now),
        )
        if not leads:
            return []
        prefetch_related_objects(leads, "rejection_reason")  # none on MQLs and SALs: no query
        touches = _touches_at_opening(leads)
        due_at = rulebook.review_due(now)
        rows = [
            _case_fields(
                lead,
                kind=kind,
                actor=actor,
                opened_at=now,
                due_at=due_at,
                snapshot=_snapshot(lead, rulebook, from_state, **touches[lead.pk]),
            )
            for lead in leads
        ]
        db = router.db_for_write(Case)
        cases = [
            _case_inserted(case_id, row, db=db)
            for case_id, row in zip(bulk_insert(Case, rows), rows, strict=True)
        ]
        # Every lead of the batch went through the same transition at the
        # same moment: their history rows are the per-lead form's row for
        # the first one, but for the lead and the case.
        event = lead_event_new(
            lead=leads[0],
            transition=transition,
            from_state=from_state,
            actor=actor,
            rulebook=rulebook,
            occurred_at=now,
        )
        shared = {
            field.attname: getattr(event, field.attname)
            for field in LeadEvent._meta.concrete_fields
            if not field.primary_key
        }
        bulk_insert(
            LeadEvent,
            [
                {**shared, "lead_id": lead.pk, "data": _opening_event_data(case)}
                for lead, case in zip(leads, cases, strict=True)
            ],
        )
        notify.cases_opened(
            cases_with_parties=[
                (case, case_party_ids(case, lead)) for lead, case in zip(leads, cases, strict=True)
            ],
            rulebook=rulebook,
        )
    return cases


def _transition_writes(name: str, from_state: str, *, at: datetime) -> dict:
    """The columns the lead's FSM transition ``name`` writes, and their values,
    for a set-based ``UPDATE``.

    Learned by running the transition on an unsaved probe whose every column
    holds a marker: transitions change fields only, and the ones the sweeps
    run take nothing but the time, so they write the same on every lead. The
    model stays the one definition of what ``flag_ignored`` does. Plus what
    ``save()`` stamps (``updated_at``).
    """
    marker = object()
    columns = [
        field
        for field in Lead._meta.concrete_fields
        if not field.primary_key and not field.generated and field.name != "state"
    ]
    probe = Lead(state=from_state)
    for field in columns:
        probe.__dict__[field.attname] = marker
    getattr(probe, name)(at=at)
    writes = {
        field.attname: getattr(probe, field.attname)
        for field in columns
        if getattr(probe, field.attname) is not marker
    }
    writes.update({field.attname: at for field in columns if isinstance(field, clock.UpdatedAtField)})
    writes["state"] = probe.state
    return writes


def _case_inserted(pk: int, fields: dict, *, db: str) -> Case:
    """The case just inserted from ``fields``, as an instance holding what
    its callers read (its lead, the history row's and the judges'
    notifications' fields), built without a query; the snapshot and the
    verdict's empty fields stay deferred."""
    lead = fields["lead"]
    loaded = {**fields, "id": pk, "lead_id": lead.pk, "status": CaseStatus.OPEN}
    case = Case.from_db(db, _CASE_LOADED, [loaded[name] for name in _CASE_LOADED])
    Case.lead.field.set_cached_value(case, lead)
    return case


_CASE_LOADED = ("id", "kind", "lead_id", "rep_id", "marketer_id", "opened_at", "due_at", "status")


# What opening a case reads of its lead (the snapshot, the case's parties,
# the history row's states): the set-based ``UPDATE`` returns these columns
# only, a third of the lead's, and the instances built from them (each a
# Python object the batch pays for) leave the rest deferred. A field read
# that is not here costs a query per lead: the statement-count test of
# tests/adjudication/test_opening_in_bulk.py fails if one slips in.
_OPENING_READS = (
    "id",
    "state",
    "criteria_mask",
    "criteria_count",
    "assigned_rep_id",
    "marketer_id",
    "rejection_reason_id",
    "rejection_note",
    "rejected_at",
    "delivered_at",
    "followup_started_at",
)


def _update_returning_rows(queryset: QuerySet, **values) -> list:
    """``queryset.update(**values)``, returning the rows it changed, as they
    are now (model instances holding ``_OPENING_READS``, in primary-key order).

    ``update()`` returns a count, and a compare-and-set over many rows must
    know which rows it won. This is the ORM's own ``UPDATE`` (the same
    ``WHERE`` as the queryset) with ``RETURNING`` added, which PostgreSQL
    and SQLite (3.35 and later) both accept. The rows go through each
    backend's conversions (SQLite returns text for times), as a queryset's
    do, then ``from_db`` (a third of what ``raw()`` costs a row).
    """
    query = queryset.query.chain(UpdateQuery)
    query.add_update_values(values)
    query.clear_select_clause()
    connection = connections[queryset.db]
    compiler = query.get_compiler(connection=connection)
    sql, params = compiler.as_sql()
    model = queryset.model
    # In the model's order: ``from_db`` matches values to fields by position.
    fields = [field for field in model._meta.concrete_fields if field.attname in _OPENING_READS]
    returning = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    with connection.cursor() as cursor:
        cursor.execute(f"{sql} RETURNING {returning}", params)
        rows = cursor.fetchall()
    columns = [field.cached_col for field in fields]
    converters = compiler.get_converters(columns)
    if converters:
        rows = compiler.apply_converters(rows, converters)
    names = [field.attname for field in fields]
    leads = [model.from_db(queryset.db, names, row) for row in rows]
    return sorted(leads, key=lambda lead: lead.pk)


def _touches_at_opening(leads: list[Lead]) -> dict[int, dict]:
    """``case_snapshot``'s touch counts for many leads from one query: by
    channel since delivery (all touches if never delivered), and in the
    current follow-up round as ``lead_followup_touch_count`` counts them.

    Counted here rather than in SQL: a ``GROUP BY`` joined to the leads for
    their timestamps is planned as a scan of both tables, while the touches
    of a batch's leads are a few rows each, read by ``touch_lead_time_idx``.
    """
    touched: dict[int, list[tuple[str, datetime]]] = defaultdict(list)
    rows = Touch.objects.filter(lead_id__in=[lead.pk for lead in leads]).order_by()
    for lead_id, channel, occurred_at in rows.values_list("lead_id", "channel", "occurred_at"):
        touched[lead_id].append((channel, occurred_at))
    counts = {}
    for lead in leads:
        since_delivery = Counter(
            channel
            for channel, occurred_at in touched[lead.pk]
            if lead.delivered_at is None or occurred_at >= lead.delivered_at
        )
        in_round = sum(
            1
            for _, occurred_at in touched[lead.pk]
            if lead.followup_started_at is None or occurred_at >= lead.followup_started_at
        )
        counts[lead.pk] = {"by_channel": dict(since_delivery), "followup_round": in_round}
    return counts

"""Every read of cases that a page, the API or a job makes."""

from __future__ import annotations

from django.db.models import Case as SQLCase
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When

from adjudication.models import Case, CaseStatus, Statement, Vote
from leadcourt import clock
from leadcourt.accounts import roles
from leadcourt.accounts.models import NON_INDEPENDENT_DEPARTMENTS
from leads.models import Lead, LeadState, RulebookVersion
from leads.pagination import OffsetPage, count_capped, offset_page, page_number, pks_of_slices, rows_in_order
from leads.selectors import rulebook_current


def case_party_ids(case: Case, lead: Lead | None = None) -> set[int]:
    """The parties to a case: its rep and marketer as at opening, and the
    lead's current ones (a reassigned lead brings its new rep in)."""
    lead = lead or case.lead
    return {case.rep_id, case.marketer_id, lead.assigned_rep_id, lead.marketer_id} - {None}


def judge_barred_by_independence(judge, rulebook: RulebookVersion) -> bool:
    """With ``independent_judges`` on, sales and marketing judges never decide."""
    return rulebook.independent_judges and judge.department in NON_INDEPENDENT_DEPARTMENTS


def case_recusal_reason(
    *, case: Case, judge, rulebook: RulebookVersion, lead: Lead | None = None
) -> str | None:
    """Why ``judge`` may not vote on ``case``, or ``None`` if they may (SPEC §1).

    A judge never decides a case they are a party to, nor one in which they
    wrote a statement; and never at all when barred by the independence rule.
    """
    if judge.pk in case_party_ids(case, lead):
        return "You are recused: you are a party to this case (the lead's rep or marketer)."
    if case.statements.filter(author=judge).exists():
        return "You are recused: you wrote a statement in this case."
    if judge_barred_by_independence(judge, rulebook):
        return (
            "You are recused: the rulebook requires independent judges, and you are in "
            f"{judge.get_department_display().lower()}."
        )
    return None


def _with_queue_annotations(qs: QuerySet[Case], *, judge=None, now=None) -> QuerySet[Case]:
    """Touch count, distinct channels, overdue flag and votes, without a query
    per row. Aggregates over the rows of ``qs``: give it a page's rows
    (``review_queue_page``, ``cases_list_page``), not a whole list."""
    now = now or clock.now()
    qs = qs.select_related("lead", "lead__campaign", "lead__rejection_reason", "rep", "marketer").annotate(
        touch_count=Count("lead__touches", distinct=True),
        channel_count=Count("lead__touches__channel", distinct=True),
        votes_cast=Count("votes", distinct=True),
        is_overdue=SQLCase(
            When(status=CaseStatus.OPEN, due_at__lt=now, then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        ),
    )
    if judge is not None:
        qs = qs.annotate(
            has_voted=Exists(Vote.objects.filter(case=OuterRef("pk"), judge=judge)),
        )
    return qs


def _queue_cases(*, judge) -> QuerySet[Case]:
    """The open cases ``judge`` may decide, unannotated and unordered.

    Recused cases are left out (parties, statement authors, and with
    ``independent_judges`` every case for a sales or marketing judge).
    """
    if judge_barred_by_independence(judge, rulebook_current()):
        return Case.objects.none()
    # The judge's own leads (usually none: judges are seldom reps or
    # marketers) as one set, hashed once, rather than a join to each case's
    # lead: the queue's count and pages read case_queue_idx alone.
    own_leads = Lead.objects.filter(Q(assigned_rep=judge) | Q(marketer=judge)).values("pk")
    return (
        Case.objects.filter(status=CaseStatus.OPEN)
        .exclude(rep=judge)
        .exclude(marketer=judge)
        .exclude(lead__in=own_leads)
        .exclude(Exists(Statement.objects.filter(case=OuterRef("pk"), author=judge)))
    )


def review_queue(*, judge) -> QuerySet[Case]:
    """Open cases this judge may decide: overdue first, then oldest, each
    with its counts. The whole queue, for a job or a test: the page is
    ``review_queue_page``, which reads the same order from an index."""
    return _with_queue_annotations(_queue_cases(judge=judge), judge=judge).order_by(
        "-is_overdue", "opened_at", "pk"
    )


def review_queue_page(*, judge, number, size: int) -> OffsetPage:
    """Page ``number`` of ``review_queue``, choosing its cases first.

    "Overdue first, then oldest" is two ranges of ``case_queue_idx`` (open
    cases by ``opened_at, id``, ``due_at`` included): the overdue ones, then
    the others, each oldest first. The page takes rows ``offset …
    offset + size`` of the first range and, if it runs out, the start of the
    second; how many overdue cases come before needs counting only up to the
    end of the page. Only the chosen cases get their touch, channel and vote
    counts. Three queries: the queue's capped count, the overdue count up to
    the page's end, and the page.
    """
    now = clock.now()
    cases = _queue_cases(judge=judge)
    total, capped = count_capped(cases)
    number = page_number(number)
    if not capped:
        number = min(number, max(1, -(-total // size)))
    offset = (number - 1) * size
    wanted = offset + size + 1  # rows up to the end of this page, and one to say "next"
    oldest_first = ("opened_at", "pk")
    overdue = cases.filter(due_at__lt=now).order_by(*oldest_first)
    rest = cases.filter(due_at__gte=now).order_by(*oldest_first)
    overdue_count, _ = count_capped(overdue, cap=wanted)
    # Rows offset … wanted of the queue: from the overdue range as far as it
    # goes, then from the start (or further on) of the other range.
    slices = []
    if overdue_count > offset:
        slices.append(overdue[offset : min(overdue_count, wanted)])
    if overdue_count < wanted:
        skip = max(0, offset - overdue_count)
        slices.append(rest[skip : skip + wanted - max(offset, overdue_count)])
    pks = pks_of_slices(*slices)
    queue_order = _with_queue_annotations(Case.objects.all(), judge=judge, now=now).order_by(
        "-is_overdue", *oldest_first
    )
    rows = rows_in_order(queue_order, pks)
    return OffsetPage(
        rows=rows[:size],
        number=number,
        size=size,
        count=total,
        count_is_capped=capped,
        has_next=len(rows) > size,
    )


def cases_visible_to(user) -> QuerySet[Case]:
    """Judges, managers and administrators see every case; reps and marketers
    the cases they are parties to."""
    qs = Case.objects.all()
    if roles.is_superuser(user) or roles.is_judge(user) or roles.is_manager(user):
        return qs
    # The parties as at opening and the lead's owners now (``Case.lead_rep``,
    # ``lead_marketer``, kept by the database): four indexed columns.
    return qs.filter(Q(rep=user) | Q(marketer=user) | Q(lead_rep=user) | Q(lead_marketer=user))


def _cases_filtered(*, user, status: str | None = None, kind: str | None = None) -> QuerySet[Case]:
    qs = cases_visible_to(user)
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("-opened_at", "-pk")


def cases_list(*, user, status: str | None = None, kind: str | None = None) -> QuerySet[Case]:
    """The cases ``user`` may see, newest first, with their counts (the API list)."""
    return _with_queue_annotations(_cases_filtered(user=user, status=status, kind=kind))


def cases_list_page(*, user, number, size: int, status: str | None = None) -> OffsetPage:
    """Page ``number`` of "My cases", newest first (``case_opened_idx``),
    counted up to ``COUNT_CAP``; counts for the page's cases only."""
    return offset_page(
        _cases_filtered(user=user, status=status), number=number, size=size, annotate=_with_queue_annotations
    )


def case_get_visible(*, user, case_id: int) -> Case | None:
    return (
        _with_queue_annotations(cases_visible_to(user))
        .select_related("decided_by", "opened_by", "lead__marketer", "lead__assigned_rep")
        .filter(pk=case_id)
        .first()
    )


def cases_for_lead(*, lead: Lead, user) -> QuerySet[Case]:
    """The lead's cases that the user may open, newest first."""
    return cases_visible_to(user).filter(lead=lead).order_by("-opened_at", "-pk")


def case_statements(*, case: Case) -> QuerySet[Statement]:
    return case.statements.select_related("author").order_by("created_at", "id")


def case_votes(*, case: Case) -> QuerySet[Vote]:
    return case.votes.select_related("judge", "reassign_to").order_by("cast_at", "id")


def case_precedents(*, case: Case, limit: int = 10) -> QuerySet[Case]:
    """Earlier decided cases with the same reason code and the same source or
    campaign, newest first, so that rulings stay consistent (SPEC §6).

    Cases with no rejection (ignored, not followed up) match on their kind
    instead of a reason code.
    """
    lead = case.lead
    same_origin = Q(pk__in=[])
    if lead.source:
        same_origin |= Q(lead__source=lead.source)
    if lead.campaign_id:
        same_origin |= Q(lead__campaign_id=lead.campaign_id)
    same_ground = Q(reason_code=case.reason_code) if case.reason_code else Q(kind=case.kind, reason_code="")
    return (
        Case.objects.filter(same_ground, same_origin, status=CaseStatus.DECIDED)
        .exclude(pk=case.pk)
        .select_related("lead", "lead__campaign", "decided_by")
        .order_by("-decided_at", "-pk")[:limit]
    )


def marketer_rejected_leads(*, marketer) -> QuerySet[Lead]:
    """Rejected leads the marketer owns (to appeal or concede), the window
    closing soonest first."""
    return (
        Lead.objects.filter(state=LeadState.REJECTED, marketer=marketer)
        .select_related("assigned_rep", "rejection_reason", "campaign")
        .order_by("appeal_due_at", "pk")
    )

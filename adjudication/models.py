"""Cases before the judicial branch (SPEC §6): statements, votes, verdicts."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from leads.models import Lead


class CaseKind(models.TextChoices):
    APPEAL = "appeal", "Appeal"
    IGNORED = "ignored", "Ignored lead"
    NOT_FOLLOWED_UP = "not_followed_up", "Not followed up"
    AUDIT = "audit", "Audit"


class CaseStatus(models.TextChoices):
    OPEN = "open", "Open"
    DECIDED = "decided", "Decided"


class Decision(models.TextChoices):
    UPHOLD = "uphold", "Uphold (sales was right)"
    OVERTURN = "overturn", "Overturn (sales must follow up)"
    RETURN = "return", "Return to marketing"
    FOLLOW_UP = "follow_up", "Sales must follow up"


class Finding(models.TextChoices):
    SALES = "sales", "Sales (rejection unjustified, follow-up poor)"
    MARKETING = "marketing", "Marketing (lead below the agreed definition)"
    CRITERIA = "criteria", "Criteria (the definition itself is off)"
    NONE = "none", "None"


# Which decisions a case of each kind can end in (SPEC §6).
DECISIONS_BY_KIND = {
    CaseKind.APPEAL: (Decision.UPHOLD, Decision.OVERTURN),
    CaseKind.AUDIT: (Decision.UPHOLD, Decision.OVERTURN),
    CaseKind.IGNORED: (Decision.RETURN, Decision.FOLLOW_UP),
    CaseKind.NOT_FOLLOWED_UP: (Decision.RETURN, Decision.FOLLOW_UP),
}
# Decisions that send the lead back to sales (→ sal) rather than to marketing.
DECISIONS_FOR_SALES = (Decision.OVERTURN, Decision.FOLLOW_UP)


class Case(models.Model):
    """One case about one lead. At most one open case per lead (a partial
    unique constraint), so a lead never has two courts at once."""

    kind = models.CharField(max_length=16, choices=CaseKind.choices)
    lead = models.ForeignKey(Lead, on_delete=models.PROTECT, related_name="cases")
    # The parties, as they were when the case opened.
    rep = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="cases_as_rep"
    )
    marketer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.PROTECT,
        related_name="cases_as_marketer",
    )
    # The lead's rep and marketer now (a reassigned lead brings its new rep
    # in), kept by the database: triggers copy them from the lead whenever a
    # case is written and whenever the lead's owners change (migration
    # 0004), whatever writes the row. "My cases" then reads four indexed
    # columns instead of every lead the user owns.
    lead_rep = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.DO_NOTHING, related_name="+", editable=False
    )
    lead_marketer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.DO_NOTHING, related_name="+", editable=False
    )
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField()
    due_at = models.DateTimeField()
    # Frozen at opening: the rejection (reason code, label, note), touches by
    # channel, criteria. Judges see what the parties saw, not what changed since.
    snapshot = models.JSONField(default=dict, blank=True)
    reason_code = models.CharField(
        max_length=50, blank=True, help_text="The rejection's reason code (for precedents)."
    )
    status = models.CharField(max_length=8, choices=CaseStatus.choices, default=CaseStatus.OPEN)
    escalated_at = models.DateTimeField(null=True, blank=True)
    # For audits from the monthly sample: the first day of the month sampled.
    # Makes the monthly job idempotent (one sample per month, one case per lead).
    sample_month = models.DateField(null=True, blank=True)

    # The verdict (filled in when the case is decided).
    decided_at = models.DateTimeField(null=True, blank=True)
    decision = models.CharField(max_length=16, choices=Decision.choices, blank=True)
    finding = models.CharField(max_length=16, choices=Finding.choices, blank=True)
    rationale = models.TextField(blank=True)
    cause = models.TextField(blank=True, help_text="Why the lead goes back to marketing.")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The judge whose vote decided the case.",
    )

    class Meta:
        ordering = ["due_at", "opened_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["lead"],
                condition=Q(status=CaseStatus.OPEN),
                name="case_one_open_case_per_lead",
            ),
            models.UniqueConstraint(
                fields=["lead", "sample_month"],
                condition=Q(sample_month__isnull=False),
                name="case_one_sample_audit_per_lead_and_month",
            ),
            models.CheckConstraint(name="case_kind_valid", condition=Q(kind__in=CaseKind.values)),
            models.CheckConstraint(
                name="case_decided_has_verdict",
                condition=Q(status=CaseStatus.OPEN)
                | (Q(decided_at__isnull=False) & ~Q(decision="") & ~Q(finding="") & ~Q(rationale="")),
            ),
        ]
        indexes = [
            # Escalation job (adjudication.jobs): open cases past due_at.
            models.Index(
                fields=["due_at", "opened_at"],
                name="case_open_queue_idx",
                condition=Q(status=CaseStatus.OPEN),
            ),
            # Review queue page (selectors.review_queue_page): open cases oldest
            # first, read twice — the overdue ones (due_at < now), then the
            # others — each range in this index's order. The columns the queue
            # filters on are included, so that its capped count and its ranges
            # are read from the index alone.
            models.Index(
                fields=["opened_at", "id"],
                include=["due_at", "rep", "marketer", "lead"],
                name="case_queue_idx",
                condition=Q(status=CaseStatus.OPEN),
            ),
            # Case lists, newest first (selectors.cases_list: "My cases", GET
            # /api/v1/cases/). The columns of a party's visibility and of the
            # status filter are included: "My cases" and its capped count are
            # read from this narrow index, not from the wide case rows.
            models.Index(
                fields=["-opened_at", "-id"],
                include=["rep", "marketer", "lead", "status"],
                name="case_opened_idx",
            ),
            # Precedents: decided cases with the same reason code.
            models.Index(
                fields=["reason_code", "-decided_at"],
                name="case_precedent_idx",
                condition=Q(status=CaseStatus.DECIDED),
            ),
        ]

    def __str__(self) -> str:
        return f"Case #{self.pk} ({self.get_kind_display()}) — {self.lead}"


# The longest statement (or appeal argument) a party may file.
STATEMENT_MAX_LENGTH = 10_000


class Statement(models.Model):
    """A party's written argument or answer; parties may add more until the verdict."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="statements")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["case", "created_at"], name="statement_case_time_idx")]

    def __str__(self) -> str:
        return f"Statement by {self.author} on case #{self.case_id}"


class Vote(models.Model):
    """One judge's vote on a case. With a panel of one, the vote is the verdict;
    with a larger panel, the majority decides and dissent stays on record."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="votes")
    judge = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="votes")
    decision = models.CharField(max_length=16, choices=Decision.choices)
    finding = models.CharField(max_length=16, choices=Finding.choices)
    rationale = models.TextField()
    cause = models.TextField(blank=True)
    reassign_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    cast_at = models.DateTimeField()

    class Meta:
        ordering = ["cast_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "judge"], name="vote_one_per_judge_per_case"),
            models.CheckConstraint(name="vote_has_rationale", condition=~Q(rationale="")),
        ]

    def __str__(self) -> str:
        return f"{self.judge}: {self.get_decision_display()} on case #{self.case_id}"

"""The one-page rulebook (SPEC §5): seeded, versioned, edited by administrators
only, validated; and the reason codes seeded with it."""

from __future__ import annotations

import pytest

from leadcourt.errors import ActionForbidden, InvalidInput
from leads import services
from leads.models import ReasonCode, ReviewMode, RulebookVersion
from leads.selectors import reason_codes_active, rulebook_current
from tests.leads.assertions import nothing_written

SPEC_DEFAULTS = {
    "mql_min_criteria": 4,
    "grade_a_min_criteria": 7,
    "decision_hours": 48,
    "followup_days": 14,
    "touches_grade_a": 6,
    "touches_grade_b": 3,
    "appeal_days": 10,
    "review_days": 5,
    "review_mode": ReviewMode.APPEALS_ONLY,
    "sample_percent": 10,
    "independent_judges": False,
    "business_hours_only": True,
    "panel_size": 1,
}


def rules_of(version: RulebookVersion) -> dict:
    return {name: getattr(version, name) for name in SPEC_DEFAULTS}


def test_version_one_holds_the_spec_defaults(db):
    v1 = RulebookVersion.objects.get()

    assert v1.version == 1
    assert rules_of(v1) == SPEC_DEFAULTS
    assert rulebook_current() == v1


def test_an_administrator_publishes_a_new_version_and_the_old_one_stays(clock, admin_user):
    v1 = RulebookVersion.objects.get(version=1)
    clock.advance(days=3)

    v2 = services.rulebook_version_create(actor=admin_user, decision_hours=24, change_note=" Faster SLA ")

    v2 = RulebookVersion.objects.get(pk=v2.pk)
    assert v2.version == 2
    assert v2.author == admin_user
    assert v2.created_at == clock.now()
    assert v2.change_note == "Faster SLA"
    assert rules_of(v2) == SPEC_DEFAULTS | {"decision_hours": 24}
    assert rulebook_current() == v2
    v1_again = RulebookVersion.objects.get(version=1)
    assert rules_of(v1_again) == SPEC_DEFAULTS
    assert v1_again.created_at == v1.created_at


def test_each_version_builds_on_the_one_in_force(admin_user):
    services.rulebook_version_create(actor=admin_user, decision_hours=24)
    v3 = services.rulebook_version_create(actor=admin_user, review_mode=ReviewMode.ALL_REJECTIONS)

    assert v3.version == 3
    assert v3.decision_hours == 24
    assert v3.review_mode == ReviewMode.ALL_REJECTIONS


@pytest.mark.parametrize("actor_name", ["manager", "marketer", "rep", "judge", "system"])
def test_only_administrators_may_change_the_rulebook(request, actor_name):
    actor = request.getfixturevalue(actor_name)

    with nothing_written(), pytest.raises(ActionForbidden, match="Only administrators"):
        services.rulebook_version_create(actor=actor, decision_hours=24)

    assert rulebook_current().version == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"grade_a_min_criteria": 3}, "grade_a_min_criteria"),
        ({"mql_min_criteria": 8}, "grade_a_min_criteria"),
        ({"sample_percent": 150}, "sample_percent"),
        ({"mql_min_criteria": 0}, "mql_min_criteria"),
        ({"mql_min_criteria": 11, "grade_a_min_criteria": 11}, "mql_min_criteria"),
        ({"decision_hours": 0}, "decision_hours"),
        ({"panel_size": 0}, "panel_size"),
        ({"review_mode": "weekly"}, "review_mode"),
        ({"grace_hours": 3}, "grace_hours"),
    ],
    ids=[
        "grade-a-below-mql",
        "mql-above-grade-a",
        "sample-150-percent",
        "zero-criteria",
        "more-criteria-than-exist",
        "zero-decision-hours",
        "empty-panel",
        "unknown-review-mode",
        "unknown-rule",
    ],
)
def test_invalid_rules_are_refused_and_no_version_is_published(admin_user, changes, field):
    with nothing_written(), pytest.raises(InvalidInput) as exc:
        services.rulebook_version_create(actor=admin_user, **changes)

    assert field in exc.value.errors
    assert rulebook_current().version == 1


def test_grade_a_below_the_qualification_threshold_is_explained(admin_user):
    with pytest.raises(InvalidInput, match="Grade A cannot need fewer criteria than qualification"):
        services.rulebook_version_create(actor=admin_user, grade_a_min_criteria=3)


@pytest.mark.parametrize(("criteria_met", "grade"), [(10, "A"), (7, "A"), (6, "B"), (4, "B"), (0, "B")])
def test_grade_a_needs_the_rulebooks_grade_a_threshold(db, criteria_met, grade):
    assert rulebook_current().grade_for(criteria_met) == grade


def test_a_lower_grade_a_threshold_makes_more_leads_grade_a(admin_user):
    v2 = services.rulebook_version_create(actor=admin_user, grade_a_min_criteria=5)

    assert v2.grade_for(5) == "A"
    assert v2.grade_for(4) == "B"
    assert RulebookVersion.objects.get(version=1).grade_for(5) == "B"


def test_touches_required_depend_on_the_grade(db):
    rules = rulebook_current()

    assert rules.touches_required("A") == 6
    assert rules.touches_required("B") == 3


# --- reason codes ------------------------------------------------------------------------

SPEC_REASON_CODES = [
    "not_icp",
    "no_budget",
    "no_authority",
    "no_need",
    "no_timeline",
    "bad_contact_data",
    "duplicate",
    "existing_customer",
    "competitor_won",
    "unreachable",
    "student_or_job_seeker",
    "other",
]


def test_the_twelve_spec_reason_codes_are_seeded_in_order(db):
    assert list(reason_codes_active().values_list("code", flat=True)) == SPEC_REASON_CODES


def test_only_other_requires_a_note(db):
    assert list(ReasonCode.objects.filter(requires_note=True).values_list("code", flat=True)) == ["other"]


def test_every_reason_code_has_a_label_and_says_what_it_blames(db):
    for reason in ReasonCode.objects.all():
        assert reason.label
        assert reason.blames in {"data", "fit", "timing"}

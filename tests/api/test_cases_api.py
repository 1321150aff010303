"""The judicial branch's endpoints of /api/v1/ (SPEC §6, §9): cases,
statements and verdicts."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from adjudication.models import Case, CaseStatus, Statement, Vote
from leadcourt.accounts import roles
from leadcourt.accounts.models import Department
from leads.models import LeadState
from leads.services import rulebook_version_create
from tests.adjudication.builders import appeal_case, ignored_case, verdict
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(marketer, rep, rep_segment):
    return appeal_case(marketer, rep, segment=rep_segment)


def url(case, action: str = "") -> str:
    return f"/api/v1/cases/{case.pk}/{action + '/' if action else ''}"


# --- GET /cases/ ------------------------------------------------------------------------------


def test_judges_list_every_case_and_parties_only_their_own(
    api, judge, rep, other_rep, marketer, other_marketer, rep_segment, clock
):
    appeal = appeal_case(marketer, rep, segment=rep_segment)
    ignored = ignored_case(marketer, rep, clock, segment=rep_segment)

    def ids(user, query=""):
        response = api(user).get(f"/api/v1/cases/{query}")
        assert response.status_code == 200
        return [item["id"] for item in response.json()["results"]]

    assert sorted(ids(judge)) == sorted([appeal.pk, ignored.pk])
    assert sorted(ids(rep)) == sorted([appeal.pk, ignored.pk])
    assert ids(other_rep) == []
    assert ids(other_marketer) == []
    assert ids(judge, "?kind=ignored") == [ignored.pk]
    assert ids(judge, "?status=decided") == []
    verdict(appeal, judge, "uphold")
    assert ids(judge, "?status=decided") == [appeal.pk]
    assert ids(judge, "?status=open&kind=appeal") == []


def test_a_case_list_item_shows_lead_parties_and_deadline(api, judge, case):
    item = api(judge).get("/api/v1/cases/").json()["results"][0]

    assert item["kind"] == "appeal"
    assert item["status"] == "open"
    assert item["lead"]["state"] == "in_review"
    assert item["rep"]["username"] == "rep"
    assert item["marketer"]["username"] == "marketer"
    assert item["reason_code"] == "no_budget"
    assert item["is_overdue"] is False


@pytest.mark.postgres
def test_listing_cases_costs_the_same_queries_for_1_or_8(api, judge, marketer, rep, rep_segment):
    appeal_case(marketer, rep, segment=rep_segment)
    client = api(judge)
    client.get("/api/v1/cases/")
    with CaptureQueriesContext(connection) as few:
        client.get("/api/v1/cases/")
    for _ in range(7):
        appeal_case(marketer, rep, segment=rep_segment)
    with CaptureQueriesContext(connection) as many:
        assert client.get("/api/v1/cases/").json()["count"] == 8

    assert len(many) == len(few)


# --- GET /cases/{id}/ --------------------------------------------------------------------------


def test_the_case_shows_snapshot_statements_votes_and_precedents(api, judge, rep, marketer, rep_segment):
    earlier = appeal_case(marketer, rep, segment=rep_segment, source="Webinar")
    verdict(earlier, judge, "uphold")
    case = appeal_case(marketer, rep, segment=rep_segment, source="Webinar")

    body = api(rep).get(url(case)).json()

    assert body["snapshot"]["reason"] == "no_budget"
    assert body["snapshot"]["state_before"] == "rejected"
    assert [s["author"]["username"] for s in body["statements"]] == ["marketer"]
    assert body["votes"] == []
    assert [p["id"] for p in body["precedents"]] == [earlier.pk]
    assert body["precedents"][0]["decision"] == "uphold"


def test_a_case_the_caller_is_no_party_to_is_404(api, other_rep, other_marketer, outsider, case):
    for user in (other_rep, other_marketer, outsider):
        response = api(user).get(url(case))
        assert response.status_code == 404
        assert response.json() == {"error": "not_found", "detail": "No such case."}


# --- POST /cases/{id}/statements/ ---------------------------------------------------------------


def test_the_rep_answers_an_appeal(api, rep, case):
    response = api(rep).post(url(case, "statements"), {"text": "No budget until Q3."}, format="json")

    assert response.status_code == 201
    assert response.json()["author"]["username"] == "rep"
    assert list(case.statements.values_list("text", flat=True)) == [
        "They have budget: the CFO confirmed it on the webinar.",
        "No budget until Q3.",
    ]


@pytest.mark.parametrize("persona", ["judge", "manager"])
def test_only_parties_add_statements(api, request, persona, case):
    response = api(request.getfixturevalue(persona)).post(
        url(case, "statements"), {"text": "Hm."}, format="json"
    )

    assert response.status_code == 403
    assert response.json()["error"] == "forbidden"
    assert case.statements.count() == 1


def test_an_empty_statement_is_400(api, rep, case):
    response = api(rep).post(url(case, "statements"), {"text": "   "}, format="json")

    assert response.status_code == 400
    assert "text" in response.json()["errors"]


@pytest.mark.parametrize("text", [0, 1.5, True, ["Called"], {"t": "x"}, None])
def test_a_statement_must_be_text_not_a_number_or_a_list(api, rep, case, text):
    """DRF would have stored ``0`` as the statement "0"."""
    response = api(rep).post(url(case, "statements"), {"text": text}, format="json")

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["text"]
    assert not case.statements.filter(author=rep).exists()


def test_no_statements_once_the_case_is_decided(api, rep, judge, case):
    verdict(case, judge, "uphold")

    response = api(rep).post(url(case, "statements"), {"text": "Late."}, format="json")

    assert response.status_code == 409
    assert response.json() == {
        "error": "invalid_transition",
        "detail": "The case is decided; no more statements.",
        "state": "decided",
        "allowed": [],
    }


# --- POST /cases/{id}/verdict/ -------------------------------------------------------------------


def test_a_judge_upholds_the_rejection_and_the_lead_returns_to_marketing(api, judge, case):
    response = api(judge).post(
        url(case, "verdict"),
        {"decision": "uphold", "rationale": "No budget this year.", "finding": "marketing"},
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "decided"
    assert body["decision"] == "uphold"
    assert body["finding"] == "marketing"
    assert body["decided_by"]["username"] == "judge"
    assert body["lead"]["state"] == "returned"
    assert [v["judge"]["username"] for v in body["votes"]] == ["judge"]


def test_an_overturn_can_send_the_lead_to_another_rep(api, judge, other_rep, case):
    response = api(judge).post(
        url(case, "verdict"),
        {
            "decision": "overturn",
            "rationale": "Budget is real.",
            "finding": "sales",
            "reassign_to": other_rep.pk,
        },
        format="json",
    )

    assert response.status_code == 201
    case.lead.refresh_from_db()
    assert (case.lead.state, case.lead.assigned_rep) == (LeadState.SAL, other_rep)


def test_a_decision_that_does_not_fit_the_kind_of_case_is_400(api, judge, case):
    response = api(judge).post(
        url(case, "verdict"), {"decision": "follow_up", "rationale": "x", "finding": "sales"}, format="json"
    )

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["decision"]
    assert not Vote.objects.exists()


def test_a_verdict_needs_rationale_and_finding(api, judge, case):
    response = api(judge).post(url(case, "verdict"), {"decision": "uphold"}, format="json")

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"rationale", "finding"}


def test_a_judge_who_is_a_party_is_recused(api, rep, rep_segment):
    judging_marketer = make_user("cmo", roles.MARKETER, roles.JUDGE, department=Department.EXECUTIVE)
    case = appeal_case(judging_marketer, rep, segment=rep_segment)

    response = api(judging_marketer).post(
        url(case, "verdict"),
        {"decision": "overturn", "rationale": "Mine.", "finding": "sales"},
        format="json",
    )

    assert response.status_code == 403
    assert response.json()["error"] == "recused"
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN


@pytest.mark.parametrize("persona", ["rep", "marketer", "manager"])
def test_only_judges_render_verdicts(api, request, persona, case):
    response = api(request.getfixturevalue(persona)).post(
        url(case, "verdict"), {"decision": "uphold", "rationale": "x", "finding": "none"}, format="json"
    )

    assert response.status_code == 403
    assert not Vote.objects.exists()


def test_a_decided_case_takes_no_more_votes(api, judge, case):
    judge2 = make_user("judge2", roles.JUDGE, department=Department.EXECUTIVE)
    verdict(case, judge, "uphold")

    response = api(judge2).post(
        url(case, "verdict"), {"decision": "overturn", "rationale": "x", "finding": "sales"}, format="json"
    )

    assert response.status_code == 409
    assert response.json()["error"] == "invalid_transition"
    assert response.json()["state"] == "decided"


def test_on_a_panel_one_vote_leaves_the_case_open_and_a_second_vote_is_a_conflict(
    api, judge, admin_user, case
):
    rulebook_version_create(actor=admin_user, panel_size=3)
    body = {"decision": "uphold", "rationale": "x", "finding": "none"}

    first = api(judge).post(url(case, "verdict"), body, format="json")
    again = api(judge).post(url(case, "verdict"), body, format="json")

    assert first.status_code == 201
    assert (first.json()["status"], first.json()["votes_cast"]) == ("open", 1)
    assert again.status_code == 409
    assert again.json()["error"] == "already_voted"
    assert Case.objects.get(pk=case.pk).status == CaseStatus.OPEN
    assert Statement.objects.count() == 1

"""Every API operation, for every role, against objects that are someone
else's: the answer is a JSON refusal (403 or 404) and the database is left
exactly as it was.

The objects belong to ``other_marketer`` and are routed to ``other_rep``: a
lead in every state an action needs (so a refusal can only be about who is
asking, never about the state), an appeal case on one of them (``rep`` and
``marketer`` are no party to it), and an import run. Each request carries a
valid body, and every row of every table of the apps is compared before and
after it. List operations cannot refuse; they must leave the objects out.

``SWEEP`` names, per role, what every operation in the served schema must
answer; where SPEC §1 lets the role act on someone else's objects the entry
says so in words, and that operation is covered by test_permission_matrix.py
instead.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile

from adjudication import services as court
from leads.models import Segment
from tests import factories

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

ROLES = ("rep", "marketer", "judge", "manager", "outsider")
LIST = "list"  # 200, without the objects the role must not see

# Tables compared before and after each request: every model of these apps.
SWEPT_APPS = ("accounts", "authtoken", "leads", "adjudication", "metrics", "notifications")


def _allowed(why: str) -> str:
    return f"allowed: {why}"


MAY_SEE_ALL_LEADS = _allowed("marketers and managers see every lead")
ANY_MARKETER = _allowed("any marketer may qualify, disqualify or recycle a lead")
SEES_ALL_CASES = _allowed("judges and managers see every case")
SEES_ALL_IMPORTS = _allowed("whoever sees every lead sees every import")
NO_OBJECT = _allowed("about no one's object")

# operation -> what rep, marketer, judge, manager, outsider get on someone else's objects
SWEEP: dict[str, tuple] = {
    "auth_token_obtain":                  (NO_OBJECT, NO_OBJECT, NO_OBJECT, NO_OBJECT, NO_OBJECT),
    "rulebook_retrieve":                  (NO_OBJECT, NO_OBJECT, NO_OBJECT, NO_OBJECT, NO_OBJECT),
    "metrics_acceptance_retrieve":        (403, 403, 403, _allowed("managers see metrics"), 403),
    "leads_list":                         (LIST, MAY_SEE_ALL_LEADS, LIST, MAY_SEE_ALL_LEADS, LIST),
    "leads_create":                       (403, _allowed("marketers create leads"), 403, 403, 403),
    "leads_retrieve":                     (404, MAY_SEE_ALL_LEADS, 404, MAY_SEE_ALL_LEADS, 404),
    "leads_qualify_create":               (404, ANY_MARKETER, 404, 403, 404),
    "leads_disqualify_create":            (404, ANY_MARKETER, 404, 403, 404),
    "leads_recycle_create":               (404, ANY_MARKETER, 404, 403, 404),
    "leads_accept_create":                (404, 403, 404, 403, 404),
    "leads_reject_create":                (404, 403, 404, 403, 404),
    "leads_return_after_followup_create": (404, 403, 404, 403, 404),
    "leads_qualify_opportunity_create":   (404, 403, 404, 403, 404),
    "leads_close_won_create":             (404, 403, 404, 403, 404),
    "leads_close_lost_create":            (404, 403, 404, 403, 404),
    "leads_touches_create":               (404, 403, 404, 403, 404),
    "leads_appeal_create":                (404, 403, 404, 403, 404),
    "leads_concede_create":               (404, 403, 404, 403, 404),
    "leads_assign_create":                (404, 403, 404, _allowed("managers reassign leads"), 404),
    "cases_list":                         (LIST, LIST, SEES_ALL_CASES, SEES_ALL_CASES, LIST),
    "cases_retrieve":                     (404, 404, SEES_ALL_CASES, SEES_ALL_CASES, 404),
    "cases_statements_create":            (404, 404, 403, 403, 404),
    "cases_verdict_create":               (404, 404, _allowed("a judge who is no party decides"), 403, 404),
    "lead_imports_create":                (403, _allowed("marketers import leads"), 403, 403, 403),
    "lead_imports_retrieve":              (403, SEES_ALL_IMPORTS, 403, SEES_ALL_IMPORTS, 403),
    "lead_imports_errors_list":           (403, SEES_ALL_IMPORTS, 403, SEES_ALL_IMPORTS, 403),
}  # fmt: skip

CSV = b"First Name,Last Name,Email,Prospect ID\nGrace,Hopper,grace@example.com,SWEEP-1\n"


@dataclass
class Theirs:
    """Someone else's objects, each in the state its action needs."""

    leads: dict[str, object]
    case: object
    lead_import: object

    def lead_ids(self) -> set[int]:
        return {lead.pk for lead in self.leads.values()} | {self.case.lead_id}


def _theirs(other_marketer, other_rep) -> Theirs:
    from leads import services
    from leads.imports.services import lead_import_start

    segment = Segment.objects.create(code="theirs", name="Theirs", owner_rep=other_rep)
    worked = factories.sal(other_marketer, other_rep, segment=segment)
    for channel in ("call", "email", "sms"):
        services.lead_touch_log(lead=worked, actor=other_rep, channel=channel, outcome="no_answer")
    leads = {
        "inquiry": factories.inquiry(other_marketer, segment=segment),
        "mql": factories.mql(other_marketer, other_rep, segment=segment),
        "sal": factories.sal(other_marketer, other_rep, segment=segment),
        "worked": worked,
        "sql": factories.sql(other_marketer, other_rep, segment=segment),
        "rejected": factories.rejected(other_marketer, other_rep, segment=segment),
        "returned": court.lead_concede(
            lead=factories.rejected(other_marketer, other_rep, segment=segment), actor=other_marketer
        ),
    }
    case = court.case_open_appeal(
        lead=factories.rejected(other_marketer, other_rep, segment=segment),
        actor=other_marketer,
        argument="They have budget.",
    )
    upload = SimpleUploadedFile("theirs.csv", CSV, content_type="text/csv")
    return Theirs(leads, case, lead_import_start(actor=other_marketer, file=upload, enqueue=False))


def _requests(theirs: Theirs, other_rep) -> dict[str, tuple[str, str, object]]:
    """operation -> (method, path, valid body) on ``theirs``."""
    leads, case_path = theirs.leads, f"/api/v1/cases/{theirs.case.pk}"
    import_path = f"/api/v1/imports/leads/{theirs.lead_import.pk}"

    def lead(state: str, action: str, body: dict | None = None) -> tuple[str, str, object]:
        return "post", f"/api/v1/leads/{leads[state].pk}/{action}/", body or {}

    return {
        "metrics_acceptance_retrieve": ("get", "/api/v1/metrics/acceptance/", None),
        "leads_list": ("get", "/api/v1/leads/", None),
        "leads_create": ("post", "/api/v1/leads/", {"first_name": "Ada", "email": "ada@example.com"}),
        "leads_retrieve": ("get", f"/api/v1/leads/{leads['mql'].pk}/", None),
        "leads_qualify_create": lead("inquiry", "qualify"),
        "leads_disqualify_create": lead("inquiry", "disqualify", {"reason": "Spam"}),
        "leads_recycle_create": lead("returned", "recycle"),
        "leads_accept_create": lead("mql", "accept"),
        "leads_reject_create": lead("mql", "reject", {"reason": "no_budget"}),
        "leads_return_after_followup_create": lead(
            "worked", "return-after-followup", {"reason": "unreachable"}
        ),
        "leads_qualify_opportunity_create": lead("sal", "qualify-opportunity"),
        "leads_close_won_create": lead("sql", "close-won", {"amount": "1000"}),
        "leads_close_lost_create": lead("sql", "close-lost", {"reason": "competitor_won"}),
        "leads_touches_create": lead("sal", "touches", {"channel": "call", "outcome": "connected"}),
        "leads_appeal_create": lead("rejected", "appeal", {"argument": "They have budget."}),
        "leads_concede_create": lead("rejected", "concede"),
        "leads_assign_create": lead("mql", "assign", {"rep": other_rep.pk}),
        "cases_list": ("get", "/api/v1/cases/", None),
        "cases_retrieve": ("get", f"{case_path}/", None),
        "cases_statements_create": ("post", f"{case_path}/statements/", {"text": "Our answer."}),
        "cases_verdict_create": (
            "post",
            f"{case_path}/verdict/",
            {"decision": "uphold", "rationale": "Fair.", "finding": "none"},
        ),
        "lead_imports_create": ("multipart", "/api/v1/imports/leads/", None),
        "lead_imports_retrieve": ("get", f"{import_path}/", None),
        "lead_imports_errors_list": ("get", f"{import_path}/errors/", None),
    }


def _database_rows() -> dict[str, list[tuple]]:
    """Every row of every swept table, in primary-key order."""
    return {
        model._meta.label: list(model.objects.order_by("pk").values_list())
        for model in apps.get_models()
        if model._meta.app_label in SWEPT_APPS
    }


def _send(client, method: str, path: str, body):
    if method == "get":
        return client.get(path)
    if method == "multipart":
        upload = SimpleUploadedFile("mine.csv", CSV, content_type="text/csv")
        return client.post(path, {"file": upload}, format="multipart")
    return client.post(path, body, format="json")


def _listed_ids(response) -> set[int]:
    return {row["id"] for row in response.json()["results"]}


def test_the_sweep_names_every_operation_of_the_served_schema(client):
    served = {
        operation["operationId"]
        for path_item in client.get("/api/v1/schema/?format=json").json()["paths"].values()
        for operation in path_item.values()
    }
    assert set(SWEEP) == served


@pytest.mark.parametrize("role", ROLES)
def test_no_role_can_see_or_change_someone_elses_objects(
    api, request, role, other_marketer, other_rep, django_capture_on_commit_callbacks
):
    theirs = _theirs(other_marketer, other_rep)
    unseen_leads = theirs.lead_ids() - ({theirs.case.lead_id} if role == "judge" else set())
    requests = _requests(theirs, other_rep)
    client = api(request.getfixturevalue(role))  # creates the token before the first snapshot
    index = ROLES.index(role)

    problems = []
    for operation, expectations in SWEEP.items():
        expected = expectations[index]
        if isinstance(expected, str) and expected.startswith("allowed"):
            continue
        method, path, body = requests[operation]
        before = _database_rows()
        with django_capture_on_commit_callbacks() as callbacks:
            response = _send(client, method, path, body)
        changed = sorted(label for label, rows in _database_rows().items() if rows != before[label])

        if expected == LIST:
            leaked = _listed_ids(response) & (unseen_leads if operation == "leads_list" else {theirs.case.pk})
            ok = response.status_code == 200 and not leaked
        else:
            payload = response.json() if response["Content-Type"].startswith("application/json") else {}
            ok = response.status_code == expected and set(payload) >= {"error", "detail"}
        if not ok or changed or callbacks:
            problems.append(
                f"{operation} {method.upper()} {path}: {response.status_code} {response.content[:200]!r}"
                f" (expected {expected}); tables changed: {changed}; after-commit callbacks: {len(callbacks)}"
            )
    assert not problems, f"{role}:\n" + "\n".join(problems)


def test_the_sweep_detects_a_change(api, marketer, other_marketer, other_rep):
    """The comparison is not blind: an allowed action on the same objects
    (a marketer qualifies another marketer's inquiry) changes the tables."""
    theirs = _theirs(other_marketer, other_rep)
    client = api(marketer)
    before = _database_rows()
    response = client.post(f"/api/v1/leads/{theirs.leads['inquiry'].pk}/qualify/", {}, format="json")
    assert response.status_code == 200, json.dumps(response.json())
    assert _database_rows()["leads.Lead"] != before["leads.Lead"]

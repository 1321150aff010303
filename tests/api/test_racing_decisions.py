"""Many people deciding the same leads at once, through a real server: a
gunicorn of several worker processes on loopback, and 200 requests released
together per round, over three rounds (SPEC §2: exactly one transition wins,
the others get a clear conflict, nothing is lost).

Per lead, in one instant: the assigned rep decides twice through the API
token and once through a browser session (cookie and CSRF token, as the
browser's fetch would), each accept or reject; the other rep, who may not
see the lead, tries too. Afterwards each lead holds exactly one decision,
one history row for it, and every answer was JSON and none a 5xx.
"""

from __future__ import annotations

import secrets
import threading

import pytest
from django.conf import settings
from django.test import Client
from rest_framework.authtoken.models import Token

from leads.models import LeadEvent, LeadState
from tests import factories
from tests.api.live_gunicorn import Answer, Server, gunicorn_serving

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("migrated_data_restored"),
]

LEADS_PER_ROUND = 50
# Who sends what, per lead, in each round: the assigned rep by token, the
# same rep through a browser session, the other rep by token. Four requests
# per lead, so 200 per round.
ROUNDS = [
    [("token", "accept"), ("session", "reject"), ("token", "accept"), ("other_rep", "accept")],
    [("session", "accept"), ("token", "reject"), ("session", "reject"), ("other_rep", "reject")],
    [("token", "reject"), ("session", "accept"), ("token", "reject"), ("other_rep", "accept")],
]
BODIES = {"accept": {}, "reject": {"reason": "no_budget", "note": "Raced."}}
WINNER_STATE = {"accept": LeadState.SAL, "reject": LeadState.REJECTED}


def _credentials(rep, other_rep) -> dict[str, dict[str, str]]:
    """Headers per sender. The session is a real login (Django's own), the
    CSRF cookie a fresh secret echoed in the header, as the browser does."""
    browser = Client()
    browser.force_login(rep)
    csrf_secret = secrets.token_hex(16)  # 32 characters, the unmasked secret's length
    cookie = f"{settings.SESSION_COOKIE_NAME}={browser.cookies[settings.SESSION_COOKIE_NAME].value}"
    return {
        "token": {"Authorization": f"Token {Token.objects.create(user=rep).key}"},
        "session": {
            "Cookie": f"{cookie}; {settings.CSRF_COOKIE_NAME}={csrf_secret}",
            "X-CSRFToken": csrf_secret,
        },
        "other_rep": {"Authorization": f"Token {Token.objects.create(user=other_rep).key}"},
    }


def _race(server: Server, requests: list[tuple[str, dict, dict]]) -> list[Answer | BaseException]:
    """Send every request from its own thread, all released by one barrier."""
    barrier = threading.Barrier(len(requests))
    answers: list[Answer | BaseException | None] = [None] * len(requests)

    def send(index: int, path: str, body: dict, headers: dict) -> None:
        try:
            barrier.wait(timeout=30)
            answers[index] = server.post(path, body, headers=headers)
        except BaseException as exc:  # reported below with the others
            answers[index] = exc

    threads = [threading.Thread(target=send, args=(i, *request)) for i, request in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
        assert not thread.is_alive(), "a request never came back"
    return answers  # type: ignore[return-value]


def test_racing_decisions_through_gunicorn_leave_exactly_one_decision_per_lead(
    tmp_path, marketer, rep, other_rep, rep_segment
):
    credentials = _credentials(rep, other_rep)
    with gunicorn_serving(tmp_path, workers=3, threads=4) as server:
        for round_number, plan in enumerate(ROUNDS, start=1):
            leads = [factories.mql(marketer, rep, segment=rep_segment) for _ in range(LEADS_PER_ROUND)]
            events_before = {lead.pk: LeadEvent.objects.filter(lead=lead).count() for lead in leads}
            requests = [
                (f"/api/v1/leads/{lead.pk}/{action}/", BODIES[action], credentials[sender])
                for lead in leads
                for sender, action in plan
            ]
            answers = _race(server, requests)

            crashed = [a for a in answers if not isinstance(a, Answer)]
            assert not crashed, f"round {round_number}: requests failed: {crashed[:3]}"
            server_errors = [a for a in answers if a.status >= 500]
            assert not server_errors, f"round {round_number}: {server_errors[:3]}\n{server.log_tail()}"
            assert all(a.content_type.startswith("application/json") and a.body for a in answers)

            for index, lead in enumerate(leads):
                sent = list(zip(plan, answers[index * len(plan) : (index + 1) * len(plan)], strict=True))
                won = [action for (_sender, action), answer in sent if answer.status == 200]
                assert len(won) == 1, f"round {round_number}, lead {lead.pk}: {sent}"
                for (sender, _action), answer in sent:
                    if sender == "other_rep":
                        assert (answer.status, answer.body["error"]) == (404, "not_found")
                    elif answer.status != 200:
                        assert answer.status == 409, answer
                        assert answer.body["error"] in {"invalid_transition", "conflict"}, answer

                lead.refresh_from_db()
                assert lead.state == WINNER_STATE[won[0]]
                events = LeadEvent.objects.filter(lead=lead).order_by("pk")
                assert events.count() == events_before[lead.pk] + 1
                decision = events.last()
                assert (decision.transition, decision.actor_id) == (won[0], rep.pk)
                assert (decision.from_state, decision.to_state) == (LeadState.MQL, WINNER_STATE[won[0]])

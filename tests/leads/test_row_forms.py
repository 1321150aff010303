"""A list page renders each row action once and stamps every row's id and
name into it (``row_actions.PageChoices``, the ``per_lead`` blocks): the rows
must come out exactly as if each had rendered its own actions and forms, for
every list and every action form."""

from __future__ import annotations

import re

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.test.html import parse_html

from leads import selectors
from leads.forms import ReassignForm
from leads.templatetags.row_stamps import PLACEHOLDER_ID, PLACEHOLDER_NAME
from leads.views.row_actions import ACTIONS, ROW_KINDS, PageChoices, _action_form, _row_context
from tests.factories import mql, sal, sql

pytestmark = pytest.mark.django_db

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')


def same_html(a: str, b: str) -> bool:
    # Each {% csrf_token %} masks the token anew: compare everything else.
    return parse_html(CSRF.sub("", a)) == parse_html(CSRF.sub("", b))


def rendered_rows(kind: str, leads, user, *, full_forms: bool) -> list[str]:
    request = RequestFactory().get("/")
    request.user = user
    rulebook = selectors.rulebook_current()
    choices = PageChoices.for_actions(ROW_KINDS[kind].forms)
    if kind == "list":
        choices = PageChoices(
            reps=tuple((pk, name) for pk, name, active in selectors.sales_reps_for_choice())
        )
    rows = []
    for lead in leads:
        context = _row_context(
            kind, lead, request=request, rulebook=rulebook, choices=choices, next_url="/back/?page=2"
        )
        if full_forms:
            # What each row rendered before: every action drawn by the
            # template engine on the row itself, with its own form.
            context["row_stamps"] = None
            context["forms"] = {
                name: (
                    ReassignForm(lead_id=lead.pk, reps=choices.reps)
                    if name == "reassign"
                    else _action_form(ACTIONS[name], lead.pk, choices)
                )
                for name in ROW_KINDS[kind].forms
                if name != "reassign" or "reassign" in context["forms"]
            }
        rows.append(render_to_string(ROW_KINDS[kind].template, context, request=request))
    return rows


@pytest.mark.parametrize(
    ("kind", "make", "who"),
    [
        ("inbox", mql, "rep"),
        ("worked", sal, "rep"),
        ("worked", sql, "rep"),
        ("list", mql, "manager"),
    ],
)
def test_stamped_rows_are_the_rows_each_form_would_render(
    request, marketer, rep, other_rep, rep_segment, kind, make, who
):
    user = request.getfixturevalue(who)
    leads = [
        make(marketer, rep, first_name=f"Row<{n}> & Co", company=f"Co <{n}>", segment=rep_segment)
        for n in range(2)
    ]
    if kind != "list":
        # The rows' annotations (touch counts) as the page reads them.
        leads = list(ROW_KINDS[kind].rows(rep).order_by("pk"))

    stamped = rendered_rows(kind, leads, user, full_forms=False)
    full = rendered_rows(kind, leads, user, full_forms=True)

    for one, other in zip(stamped, full, strict=True):
        assert same_html(one, other), (one, other)
    # Each row's ids are its own, and differ between rows.
    assert f"_{leads[0].pk}_" in stamped[0] and f"_{leads[1].pk}_" in stamped[1]
    assert f"_{leads[1].pk}_" not in stamped[0]
    assert "__lead__" not in "".join(stamped)
    assert str(PLACEHOLDER_ID) not in "".join(stamped) and PLACEHOLDER_NAME not in "".join(stamped)


def test_the_reassign_picker_leaves_out_the_current_rep_and_escapes_names(
    marketer, rep, other_rep, rep_segment, manager
):
    other_rep.first_name = "<b>Bold</b>"
    other_rep.save()
    lead = mql(marketer, rep, segment=rep_segment)

    (row,) = rendered_rows("list", [lead], manager, full_forms=False)

    assert f'<option value="{rep.pk}">' not in row
    assert f'<option value="{other_rep.pk}">&lt;b&gt;Bold&lt;/b&gt;' in row
    assert '<option value="">Choose a rep…</option>' in row


def test_the_blank_reject_form_marks_the_reasons_needing_a_note(marketer, rep):
    lead = mql(marketer, rep)
    choices = PageChoices.for_actions(("reject",))

    html = choices.blank_form("reject", lead.pk).fields_html

    assert f'data-note-target="id_reject_{lead.pk}_note"' in html
    assert 'value="other" data-requires-note="true"' in html
    assert f'id="id_reject_{lead.pk}_note"' in html


# --- the filters' selects ------------------------------------------------------------------


@pytest.mark.parametrize("value", [None, "", "7", 7, ["3"]])
def test_a_list_select_writes_what_djangos_select_template_writes(value):
    from django import forms

    from leads.forms import ListSelect

    choices = [("", "All reps"), (7, "Ada <Lovelace> & Co"), (3, 'Grace "Amazing" Hopper'), ("x", "ünïcode")]
    attrs = {"id": "id_rep", "data-x": 'a"b', "required": True, "disabled": False}

    ours = ListSelect(choices=choices).render("rep", value, attrs=attrs)
    djangos = forms.Select(choices=choices).render("rep", value, attrs=attrs)

    assert ours == djangos


def test_the_filter_forms_render_as_before(marketer):
    from django import forms

    from leads.forms import LeadListFilterForm
    from leads.marketing_forms import MarketerLeadFilterForm
    from leads.models import Campaign

    Campaign.objects.create(name="Spring <webinar>")
    Campaign.objects.create(name="Autumn & fair")
    reps = ((1, "Ada"), (2, "Grace"))
    campaigns = tuple(Campaign.objects.values_list("pk", "name"))
    lead_filters = LeadListFilterForm({"rep": "2", "state": "mql"}, reps=reps, campaigns=campaigns)
    lead_filters.is_valid()
    marketer_filters = MarketerLeadFilterForm({"campaign": str(campaigns[0][0])})
    marketer_filters.is_valid()

    for form, name in [
        (lead_filters, "rep"),
        (lead_filters, "state"),
        (lead_filters, "campaign"),
        (marketer_filters, "campaign"),
    ]:
        field = form.fields[name]
        plain = forms.Select(choices=field.choices)
        assert str(form[name]) == form[name].as_widget(widget=plain), name


def test_the_marketers_stamped_rows_are_the_rows_each_would_render(marketer, rep):
    """My leads: the row actions (qualify and disqualify on an inquiry,
    whatever a disqualified lead offers), each drawn once per page and
    stamped per row."""
    from leads import services
    from leads.templatetags.row_stamps import RowStamps
    from leads.views.marketing import _lead_row
    from tests.factories import inquiry

    request = RequestFactory().get("/")
    request.user = marketer
    rulebook = selectors.rulebook_current()
    leads = [inquiry(marketer, first_name=f"Mk<{n}> & Co", company=f"Co <{n}>") for n in range(2)]
    leads.append(
        services.lead_disqualify(lead=inquiry(marketer, first_name="Gone"), actor=marketer, reason="spam")
    )
    stamps = RowStamps()

    def row(lead, row_stamps):
        context = {
            "row": _lead_row(lead, marketer, rulebook),
            "rulebook": rulebook,
            "this_url": "/marketing/leads/?page=2",
            "row_stamps": row_stamps,
        }
        return render_to_string("leads/marketing/_lead_row.html", context, request=request)

    stamped = [row(lead, stamps) for lead in leads]
    full = [row(lead, None) for lead in leads]

    for one, other in zip(stamped, full, strict=True):
        assert same_html(one, other), (one, other)
    assert "lead-disqualify" not in stamped[0]  # the URL was reversed, not left as a name
    assert f"/leads/{leads[1].pk}/" in stamped[1] and f"/leads/{leads[0].pk}/" not in stamped[1]
    assert str(PLACEHOLDER_ID) not in "".join(stamped)
    # Each action offered on the page drawn once, whatever the number of rows.
    offered = {name for lead in leads for name in _lead_row(lead, marketer, rulebook)["actions"]}
    assert {"qualify", "disqualify"} <= offered
    assert sorted(name for _block, name in stamps) == sorted(offered)


def test_the_rejected_cards_stamped_appeal_forms_are_the_forms_each_would_render(marketer, rep):
    """Rejected leads: the blank appeal form drawn once per page and stamped
    per card, its field ids carrying each lead's id."""
    from adjudication.forms import AppealForm
    from adjudication.views import _appeal_form, _appeal_window
    from leadcourt import clock
    from leads.templatetags.row_stamps import RowStamps
    from tests.factories import rejected

    request = RequestFactory().get("/")
    request.user = marketer
    rulebook, now = selectors.rulebook_current(), clock.now()
    leads = [rejected(marketer, rep, first_name=f"Rj<{n}> & Co") for n in range(2)]
    stamps = RowStamps(lambda lead_id: {"form": AppealForm(prefix=f"lead-{lead_id}")})

    def card(lead, row_stamps):
        context = {
            "lead": lead,
            "form": None if row_stamps is not None else _appeal_form(lead),
            "window": _appeal_window(lead, rulebook=rulebook, now=now),
            "row_stamps": row_stamps,
        }
        return render_to_string("adjudication/_rejected_card.html", context, request=request)

    stamped = [card(lead, stamps) for lead in leads]
    full = [card(lead, None) for lead in leads]

    for one, other in zip(stamped, full, strict=True):
        assert same_html(one, other), (one, other)
    assert f'id="id_lead-{leads[1].pk}-argument"' in stamped[1]
    assert f"lead-{leads[0].pk}-" not in stamped[1]

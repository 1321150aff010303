"""The one view every lead action posts to, from a list row or the lead page
(see ``row_actions.ACTIONS``)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from leadcourt.errors import ApplicationError
from leadcourt.form_errors import form_add_service_error
from leadcourt.htmx import safe_next
from leadcourt.row_actions import row_answer, row_list_posting
from leads import selectors
from leads.views.lead_page import lead_page_render
from leads.views.row_actions import ACTIONS, ROW_LISTS, PageChoices, _action_form


@login_required
@require_POST
def lead_action(request, pk: int, action: str):
    """Run one action on a lead (see ``ACTIONS``) and answer for a list row
    (HTMX) or a page (plain POST)."""
    spec = ACTIONS[action]
    lead = selectors.lead_get_visible(user=request.user, lead_id=pk)
    if lead is None:
        raise Http404("No such lead.")
    lead_url = reverse("lead-detail", args=[lead.pk])
    next_url = safe_next(request, lead_url)
    row_list = row_list_posting(request, *ROW_LISTS)
    form = _action_form(spec, lead.pk, PageChoices.for_actions({action}), data=request.POST)

    error: ApplicationError | None = None
    status = 400
    if form is None or form.is_valid():
        data = dict(form.cleaned_data) if form is not None else {}
        if spec.needs_reps:
            data["rep_user"] = get_user_model().objects.filter(pk=data["rep"]).first()
        try:
            result = spec.run(lead, request.user, data)
        except ApplicationError as exc:
            error = exc
            status = exc.status
            if form is not None:
                form_add_service_error(form, exc)
        else:
            if row_list is not None:
                return row_answer(request, row_list, lead.pk, outcome=spec.success(lead, result, data))
            messages.success(request, spec.success(lead, result, data))
            if request.htmx:
                return HttpResponseClientRedirect(next_url)
            return redirect(next_url)

    # Refused: nothing was written.
    if row_list is not None:
        return row_answer(
            request,
            row_list,
            lead.pk,
            status=status,
            error=error.message if error is not None else "",
            action=action,
            bound=form,
        )
    return lead_page_render(
        request,
        lead,
        bound=form,
        action_error=(error.message if error is not None and form is None else None),
        status=status,
    )


# --- the rep's pages ---------------------------------------------------------------------

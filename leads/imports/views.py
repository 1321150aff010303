"""Browser pages of the CSV import: the upload form and the progress page.

The progress page polls a partial with HTMX once a second while the run is
queued or running (or waiting for the job queue, which the page says); the
partial stops asking once the run has finished.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from leadcourt.errors import ActionForbidden, ApplicationError
from leadcourt.form_errors import form_add_service_error
from leads.imports import selectors
from leads.imports.forms import LeadImportForm
from leads.imports.services import lead_import_ensure_may, lead_import_start
from leads.imports.upload_limits import UploadLengthRequired, UploadTooLarge, upload_limits_install

RECENT_IMPORTS_SHOWN = 20
ERRORS_PER_PAGE = 50


def _may_import(user) -> bool:
    try:
        lead_import_ensure_may(user)
    except ActionForbidden:
        return False
    return True


@csrf_exempt  # checked by _lead_import_page, once the upload limits are in place
@login_required
def lead_import_page(request):
    """Upload a CSV (marketers); everyone who may see imports sees the recent ones.

    The body is read only once the upload limits are installed: a file over
    the cap is a form error (413) before it is received whole.
    """
    if not selectors.lead_imports_may_view(request.user):
        raise PermissionDenied
    may_import = _may_import(request.user)
    if request.method == "POST" and not may_import:
        raise PermissionDenied
    try:
        upload_limits_install(request)
        return _lead_import_page(request, may_import=may_import)
    except (UploadTooLarge, UploadLengthRequired) as refused:
        # Raised while the CSRF check or the form read the body: nothing is stored.
        form = LeadImportForm.refused(refused)
        return _upload_page(request, form=form, may_import=may_import, status=refused.status)


@csrf_protect
def _lead_import_page(request, *, may_import: bool):
    form = LeadImportForm()
    status = 200
    if request.method == "POST":
        form = LeadImportForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                lead_import = lead_import_start(
                    actor=request.user, file=form.cleaned_data["file"], preset=form.cleaned_data["preset"]
                )
            except ApplicationError as error:
                form_add_service_error(form, error)
                status = error.status
            else:
                return redirect("lead-import-detail", pk=lead_import.pk)
        else:
            status = 400
    return _upload_page(request, form=form, may_import=may_import, status=status)


def _upload_page(request, *, form: LeadImportForm, may_import: bool, status: int):
    context = {
        "form": form,
        "may_import": may_import,
        "imports": selectors.lead_imports_visible_to(request.user)[:RECENT_IMPORTS_SHOWN],
    }
    return render(request, "leads/imports/upload.html", context, status=status)


def _progress_context(request, pk: int) -> dict:
    if not selectors.lead_imports_may_view(request.user):
        raise PermissionDenied
    lead_import = selectors.lead_import_get_visible(user=request.user, import_id=pk)
    if lead_import is None:
        raise Http404("No such import.")
    errors = selectors.lead_import_row_errors(lead_import=lead_import)
    page = Paginator(errors, ERRORS_PER_PAGE).get_page(request.GET.get("page"))
    return {"lead_import": lead_import, "page": page}


@login_required
def lead_import_detail(request, pk: int):
    return render(request, "leads/imports/detail.html", _progress_context(request, pk))


@login_required
def lead_import_progress(request, pk: int):
    """The partial the detail page polls: bar, counts and the row errors."""
    return render(request, "leads/imports/_progress.html", _progress_context(request, pk))

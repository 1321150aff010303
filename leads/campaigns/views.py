"""The campaign pages: the list with forecast beside actual, a new campaign,
its page with its history, and going live or ending it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.admin.models import LogEntry
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from leadcourt.errors import ActionForbidden, ApplicationError, InvalidInput
from leadcourt.form_errors import form_add_service_error
from leads import selectors
from leads.campaigns import services as campaign_services
from leads.campaigns.forms import CampaignFilterForm, CampaignForm
from leads.models import Campaign, CampaignStatus, Lead, LeadState

CAMPAIGNS_PER_PAGE = 25
CAMPAIGN_HISTORY_SHOWN = 20


def _require_campaign_viewer(user) -> None:
    if not selectors.sees_every_lead(user):  # the same people as ``campaigns_visible_to``
        raise PermissionDenied("Only marketers and managers see campaigns.")


def _may_manage_campaigns(user) -> bool:
    try:
        campaign_services.campaign_ensure_may_manage(user)
    except ActionForbidden:
        return False
    return True


def _ratio(actual, forecast) -> int | None:
    """Actual as a percentage of forecast (None without a forecast)."""
    if not forecast:
        return None
    return round(100 * (actual or 0) / forecast)


def _with_performance(campaign: Campaign) -> Campaign:
    """Forecast-vs-actual figures from the annotated row (no query)."""
    campaign.leads_pct = _ratio(campaign.actual_leads, campaign.forecast_leads)
    campaign.mqls_pct = _ratio(campaign.actual_mqls, campaign.forecast_mqls)
    campaign.revenue_pct = _ratio(campaign.actual_revenue, campaign.forecast_revenue)
    campaign.roi_pct = (
        round(100 * ((campaign.actual_revenue or 0) - campaign.budget) / campaign.budget)
        if campaign.budget
        else None
    )
    campaign.cost_per_lead = (
        campaign.budget / campaign.actual_leads
        if campaign.budget is not None and campaign.actual_leads
        else None
    )
    return campaign


def _campaign_form_data(form: CampaignForm) -> dict:
    return {name: form.cleaned_data[name] for name in form.fields}


@login_required
def campaigns_page(request):
    """Every campaign with its forecast beside actual so far, in one query."""
    _require_campaign_viewer(request.user)
    form = CampaignFilterForm(request.GET)
    status = form.cleaned_data["status"] if form.is_valid() else ""
    campaigns = selectors.campaigns_with_actuals(user=request.user)
    if status:
        campaigns = campaigns.filter(status=status)
    page = Paginator(campaigns, CAMPAIGNS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "leads/marketing/campaigns.html",
        {
            "page": page,
            "campaigns": [_with_performance(campaign) for campaign in page],
            "filter_form": form,
            "status": status,
            "may_manage": _may_manage_campaigns(request.user),
        },
    )


@login_required
def campaign_new_page(request):
    _require_campaign_viewer(request.user)
    if not _may_manage_campaigns(request.user):
        raise PermissionDenied("Only marketers create campaigns.")
    form = CampaignForm(request.POST or None, initial={"marketer": request.user.pk})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = _campaign_form_data(form)
            try:
                campaign = campaign_services.campaign_create(actor=request.user, **data)
            except ApplicationError as error:
                form_add_service_error(form, error)
                status = error.status
            else:
                messages.success(request, f"Campaign “{campaign}” created as a draft.")
                return redirect("campaign-detail", pk=campaign.pk)
    return render(request, "leads/marketing/campaign_form.html", {"form": form}, status=status)


def _campaign_or_404(request, pk: int) -> Campaign:
    _require_campaign_viewer(request.user)
    campaign = selectors.campaigns_with_actuals(user=request.user).filter(pk=pk).first()
    if campaign is None:
        raise Http404("No such campaign.")
    return _with_performance(campaign)


def _campaign_page(request, campaign: Campaign, *, form=None, error=None, status=200):
    may_manage = _may_manage_campaigns(request.user)
    editable = may_manage and campaign.status != CampaignStatus.ENDED
    if editable and form is None:
        form = CampaignForm(initial=CampaignForm.initial_from(campaign))
    history = (
        LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(Campaign), object_id=str(campaign.pk)
        )
        .select_related("user")
        .order_by("-action_time", "-pk")[:CAMPAIGN_HISTORY_SHOWN]
    )
    counts = selectors.lead_state_counts(Lead.objects.filter(campaign=campaign))
    return render(
        request,
        "leads/marketing/campaign_detail.html",
        {
            "campaign": campaign,
            "form": form if editable else None,
            "error": error,
            "may_manage": may_manage,
            "states": [(value, label, counts.get(value, 0)) for value, label in LeadState.choices],
            "history": history,
            "missing_forecast": [
                CampaignForm.base_fields[name].label
                for name in CampaignForm.FORECAST_FIELDS
                if getattr(campaign, name) is None
            ],
        },
        status=status,
    )


@login_required
def campaign_detail_page(request, pk: int):
    """The campaign's forecast against its results; marketers edit it here."""
    campaign = _campaign_or_404(request, pk)
    if request.method != "POST":
        return _campaign_page(request, campaign)
    if not _may_manage_campaigns(request.user):
        raise PermissionDenied("Only marketers change campaigns.")
    form = CampaignForm(request.POST)
    if form.is_valid():
        try:
            campaign_services.campaign_update(
                campaign=campaign, actor=request.user, **_campaign_form_data(form)
            )
        except ActionForbidden as error:
            raise PermissionDenied(error.message) from None
        except ApplicationError as error:
            form_add_service_error(form, error)
            return _campaign_page(request, campaign, form=form, error=error, status=error.status)
        messages.success(request, "Campaign saved.")
        return redirect("campaign-detail", pk=campaign.pk)
    return _campaign_page(request, campaign, form=form, status=400)


def _campaign_transition(request, pk: int, service, done: str):
    campaign = _campaign_or_404(request, pk)
    try:
        service(campaign=campaign, actor=request.user)
    except ActionForbidden as error:
        raise PermissionDenied(error.message) from None
    except ApplicationError as error:
        form = None
        if isinstance(error, InvalidInput):
            # The missing forecast fields are shown on the edit form, next to each.
            form = CampaignForm(CampaignForm.initial_from(campaign))
            form.is_valid()
            form_add_service_error(form, error)
        return _campaign_page(request, campaign, form=form, error=error, status=error.status)
    messages.success(request, done.format(campaign=campaign))
    return redirect("campaign-detail", pk=campaign.pk)


@login_required
@require_POST
def campaign_launch_submit(request, pk: int):
    return _campaign_transition(request, pk, campaign_services.campaign_launch, "“{campaign}” is live.")


@login_required
@require_POST
def campaign_end_submit(request, pk: int):
    return _campaign_transition(request, pk, campaign_services.campaign_end, "“{campaign}” has ended.")

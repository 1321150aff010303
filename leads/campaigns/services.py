"""Every write to campaigns (SPEC §7: a forecast before a campaign goes live)."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from leadcourt import clock
from leadcourt.accounts import roles
from leadcourt.errors import ActionForbidden, GuardFailed, InvalidInput
from leads.campaigns.models import Campaign, CampaignStatus
from leads.locks import campaign_lock

CAMPAIGN_FIELDS = (
    "name",
    "source",
    "marketer",
    "starts_on",
    "ends_on",
    "forecast_leads",
    "forecast_mqls",
    "forecast_revenue",
    "budget",
)
CAMPAIGN_FORECAST_FIELDS = ("forecast_leads", "forecast_mqls", "forecast_revenue", "budget")
CAMPAIGN_FORECAST_LABELS = {
    "forecast_leads": "leads",
    "forecast_mqls": "MQLs",
    "forecast_revenue": "revenue",
    "budget": "budget",
}
FORECAST_REQUIRED = "Required before the campaign goes live."
# The largest amount a forecast or budget may hold (DecimalField(max_digits=14, decimal_places=2)).
CAMPAIGN_AMOUNT_LIMIT = Decimal("1e12")


def campaign_ensure_may_manage(actor) -> None:
    """Marketers create and change campaigns and their forecasts (SPEC §1);
    managers only read them: the forecast is marketing's commitment."""
    if not (roles.is_superuser(actor) or roles.is_marketer(actor)):
        raise ActionForbidden("Only marketers may create or change campaigns.")


def campaign_fields_check(campaign: Campaign) -> None:
    """Every rule a campaign's fields obey, with all errors at once, per field
    (``InvalidInput``). The services run it under the row lock; the admin form
    also runs it first, to show the errors beside the fields.

    ``clean_fields`` turns strings from the API into typed values and applies
    the model's limits (lengths, digits, non-negative counts, real dates).
    """
    errors: dict[str, list[str]] = {}
    try:
        campaign.clean_fields(exclude=["status"])
    except ValidationError as exc:
        errors.update(exc.message_dict)
    campaign.name = (campaign.name or "").strip()
    campaign.source = (campaign.source or "").strip()
    if "name" not in errors:
        if not campaign.name:
            errors["name"] = ["Give the campaign a name."]
        elif Campaign.objects.filter(name__iexact=campaign.name).exclude(pk=campaign.pk).exists():
            errors["name"] = ["Another campaign already has this name."]
    for name in ("forecast_revenue", "budget"):
        value = getattr(campaign, name)
        if name not in errors and value is not None and value < 0:
            errors[name] = ["Cannot be negative."]
    if (
        "marketer" not in errors
        and campaign.marketer_id is not None
        and not roles.active_users_with_role(roles.MARKETER).filter(pk=campaign.marketer_id).exists()
    ):
        errors["marketer"] = ["Choose an active marketer."]
    starts_on, ends_on = campaign.starts_on, campaign.ends_on
    if not ({"starts_on", "ends_on"} & set(errors)) and starts_on and ends_on and ends_on < starts_on:
        errors["ends_on"] = ["The campaign cannot end before it starts."]
    if campaign.status != CampaignStatus.DRAFT:
        for name in CAMPAIGN_FORECAST_FIELDS:
            if name not in errors and getattr(campaign, name) is None:
                errors[name] = [f"A {campaign.get_status_display().lower()} campaign keeps its forecast."]
    if errors:
        raise InvalidInput(errors)


def _campaign_log(campaign: Campaign, actor, flag: int, message: str) -> None:
    """The campaign's history: Django's admin log, so changes made here and in
    the admin read as one history (the campaign page and the admin show it)."""
    LogEntry.objects.log_actions(
        user_id=actor.pk, queryset=[campaign], action_flag=flag, change_message=message, single_object=True
    )


def _campaign_changes_describe(before: dict, campaign: Campaign) -> str:
    parts = []
    for name in CAMPAIGN_FIELDS:
        old, new = before[name], getattr(campaign, f"{name}_id" if name == "marketer" else name)
        if old != new:
            label = Campaign._meta.get_field(name).verbose_name
            parts.append(
                f"{label}: {'—' if old in (None, '') else old} → {'—' if new in (None, '') else new}"
            )
    return "Changed " + "; ".join(parts) + "." if parts else ""


def campaign_create(*, actor, name: str, **fields) -> Campaign:
    """A new campaign, as a draft; the forecast may come now or later, but
    before it goes live. Marketers only; the creator owns it unless another
    marketer is named."""
    campaign_ensure_may_manage(actor)
    unknown = set(fields) - set(CAMPAIGN_FIELDS)
    if unknown:
        raise InvalidInput(dict.fromkeys(sorted(unknown), "Unknown field."))
    if fields.get("marketer") is None and roles.is_marketer(actor):
        fields["marketer"] = actor
    campaign = Campaign(name=name, status=CampaignStatus.DRAFT, **fields)
    with transaction.atomic():
        campaign_fields_check(campaign)
        try:
            with transaction.atomic():
                campaign.save()
        except IntegrityError:
            # Two marketers creating the same name at once: the unique constraint decides.
            raise InvalidInput({"name": "Another campaign already has this name."}) from None
        _campaign_log(campaign, actor, ADDITION, "Created as a draft.")
    return campaign


def campaign_update(*, campaign: Campaign, actor, **changes) -> Campaign:
    """Change a draft or live campaign's fields (a live one keeps a complete
    forecast). An ended campaign is a record and does not change.
    Locks the campaign row so two editors do not overwrite each other unseen."""
    campaign_ensure_may_manage(actor)
    unknown = set(changes) - set(CAMPAIGN_FIELDS)
    if unknown:
        raise InvalidInput(dict.fromkeys(sorted(unknown), "Unknown field."))
    with transaction.atomic():
        locked = campaign_lock(campaign.pk)
        if locked.status == CampaignStatus.ENDED:
            raise GuardFailed("This campaign has ended; its record no longer changes.", code="campaign_ended")
        before = {
            name: getattr(locked, f"{name}_id" if name == "marketer" else name) for name in CAMPAIGN_FIELDS
        }
        for name, value in changes.items():
            setattr(locked, name, value)
        campaign_fields_check(locked)
        message = _campaign_changes_describe(before, locked)
        if message:
            try:
                with transaction.atomic():
                    locked.save()
            except IntegrityError:
                raise InvalidInput({"name": "Another campaign already has this name."}) from None
            _campaign_log(locked, actor, CHANGE, message)
    return locked


def campaign_launch(*, campaign: Campaign, actor) -> Campaign:
    """draft → live, only with a complete forecast (leads, MQLs, revenue,
    budget): each missing one is named, so the page shows the error next to
    it. The start date defaults to today."""
    campaign_ensure_may_manage(actor)
    with transaction.atomic():
        locked = campaign_lock(campaign.pk)
        if locked.status != CampaignStatus.DRAFT:
            raise GuardFailed(
                f"Only a draft campaign can go live; this one is {locked.get_status_display().lower()}.",
                code="campaign_not_draft",
            )
        missing = [name for name in CAMPAIGN_FORECAST_FIELDS if getattr(locked, name) is None]
        if missing:
            labels = ", ".join(CAMPAIGN_FORECAST_LABELS[name] for name in missing)
            raise InvalidInput(
                dict.fromkeys(missing, FORECAST_REQUIRED),
                message=f"The campaign cannot go live without its forecast; missing: {labels}.",
            )
        today = clock.today()
        if locked.ends_on is not None and locked.ends_on < today:
            raise InvalidInput({"ends_on": "This end date has passed; move it before going live."})
        locked.starts_on = locked.starts_on or today
        locked.status = CampaignStatus.LIVE
        campaign_fields_check(locked)
        locked.save()
        _campaign_log(locked, actor, CHANGE, "Went live.")
    return locked


def campaign_end(*, campaign: Campaign, actor) -> Campaign:
    """live → ended; the end date becomes today unless it already passed."""
    campaign_ensure_may_manage(actor)
    with transaction.atomic():
        locked = campaign_lock(campaign.pk)
        if locked.status != CampaignStatus.LIVE:
            raise GuardFailed(
                f"Only a live campaign can end; this one is {locked.get_status_display().lower()}.",
                code="campaign_not_live",
            )
        today = clock.today()
        if locked.ends_on is None or locked.ends_on > today:
            locked.ends_on = today
        if locked.starts_on is not None and locked.starts_on > locked.ends_on:
            locked.starts_on = locked.ends_on
        locked.status = CampaignStatus.ENDED
        locked.save()
        _campaign_log(locked, actor, CHANGE, "Ended.")
    return locked

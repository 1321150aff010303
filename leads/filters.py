"""django-filter sets for the REST API's lists (SPEC §9).

The FilterSet validates the query string (a 400 per field through the API's
error handler) and documents it in the OpenAPI schema; the filtering itself
is ``selectors.leads_filter``, which the managers' page uses too.
"""

from __future__ import annotations

import django_filters
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db.models import QuerySet

from leads import selectors
from leads.models import Lead, LeadState

# PostgreSQL's bigint: a larger id can match nothing and must not reach the query.
BIGINT_MAX = 2**63 - 1


def _not_beyond_bigint(value: str) -> None:
    # isascii(): str.isdigit() is also true of "³", which int() refuses (the
    # regex beside this one already refuses it; validators all run).
    if value.isascii() and value.isdigit() and int(value) > BIGINT_MAX:
        raise ValidationError("No such user id.")


class LeadFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(choices=LeadState.choices, method="noop")
    assigned_rep = django_filters.CharFilter(
        method="noop",
        max_length=19,
        validators=[RegexValidator(r"^(me|[0-9]+)$", "Give a user id or 'me'."), _not_beyond_bigint],
        help_text="A rep's user id, or `me`.",
    )
    campaign = django_filters.NumberFilter(
        method="noop", min_value=1, max_value=BIGINT_MAX, help_text="Campaign id."
    )
    source = django_filters.CharFilter(method="noop", max_length=100, help_text="Exact, case-insensitive.")
    search = django_filters.CharFilter(
        method="noop",
        max_length=200,
        help_text="Matches name, email, company or external id (case-insensitive).",
    )

    class Meta:
        model = Lead
        fields = ("state", "assigned_rep", "campaign", "source", "search")

    def noop(self, queryset, name, value):
        # Each field is applied together with the others in filter_queryset.
        return queryset

    def filter_queryset(self, queryset: QuerySet[Lead]) -> QuerySet[Lead]:
        values = self.form.cleaned_data
        rep = values.get("assigned_rep") or None
        if rep == "me":
            rep = self.request.user.pk
        campaign = values.get("campaign")
        return selectors.leads_filter(
            queryset,
            state=values.get("state") or None,
            assigned_rep_id=int(rep) if rep is not None else None,
            campaign_id=int(campaign) if campaign is not None else None,
            source=values.get("source") or None,
            search=values.get("search") or None,
        ).order_by("-created_at", "-pk")
